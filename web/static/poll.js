// Pages that wait for something to happen elsewhere (a card enrolled at the door, a team import)
// poll a small JSON status and reload once it changes. Without JavaScript, a reload does the same.
for (const element of document.querySelectorAll('[data-poll]')) {
  const { poll: url, pollKey: key, pollValue: initial } = element.dataset;
  let delay = 2000;
  const tick = async () => {
    try {
      const response = await fetch(url, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } });
      if (response.ok && response.headers.get('content-type')?.includes('json')) {
        const body = await response.json();
        if (String(body[key]) !== initial) {
          location.reload();
          return;
        }
        delay = 2000;
      } else {
        delay = Math.min(delay * 2, 30000);
      }
    } catch {
      delay = Math.min(delay * 2, 30000);
    }
    setTimeout(tick, document.hidden ? Math.max(delay, 10000) : delay);
  };
  setTimeout(tick, delay);
}
