// Small conveniences on top of pages that work without them (no inline script: the CSP forbids it).
// - Copy buttons: <button type="button" data-copy="text" data-copied="Copied"> appear only where
//   the clipboard can be written, and say "Copied" beside them (a live region) once done.
// - "Select all" boxes: <input type="checkbox" data-select-all="name"> ticks every box of that name.
// - Print buttons: <button type="button" data-print> open the browser's print dialog.
document.addEventListener('DOMContentLoaded', () => {
  if (navigator.clipboard && window.isSecureContext) {
    for (const button of document.querySelectorAll('button[data-copy]')) {
      button.hidden = false;
      // The button keeps its words (its accessible name must hold what it shows); "Copied" is
      // said beside it, to the eye and to screen readers.
      const status = document.createElement('span');
      status.className = 'copied';
      status.setAttribute('role', 'status');
      button.after(status);
      button.addEventListener('click', async () => {
        try {
          await navigator.clipboard.writeText(button.dataset.copy);
          status.textContent = button.dataset.copied;
          setTimeout(() => { status.textContent = ''; }, 2500);
        } catch {
          // The browser refused: the text stays on the page to select by hand.
        }
      });
    }
  }
  for (const all of document.querySelectorAll('input[data-select-all]')) {
    all.hidden = false;
    const boxes = () => document.querySelectorAll(`input[type=checkbox][name="${all.dataset.selectAll}"]`);
    all.addEventListener('change', () => { for (const box of boxes()) box.checked = all.checked; });
    for (const box of boxes()) box.addEventListener('change', () => { all.checked = [...boxes()].every((b) => b.checked); });
  }
  for (const button of document.querySelectorAll('button[data-print]')) {
    button.hidden = false;
    button.addEventListener('click', () => window.print());
  }
});
