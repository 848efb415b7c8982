// FreeRADIUS and the Temporal dev server run in their own process group (so a terminal's Ctrl-C
// reaches only us, and we stop them in order). The price: they outlive us. When `npm start` exits
// any other way than its orderly stop (an uncaught error, process.exit from a library), they
// were left running, holding their ports. Registered here, they get SIGTERM as we exit, whatever
// the cause; only SIGKILL escapes this, and the next start's leftover check handles that.
import type { ChildProcess } from 'node:child_process';

const running = new Set<ChildProcess>();
let installed = false;

export function stopWithThisProcess(child: ChildProcess): void {
  if (child.pid === undefined) return;
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (installed) return;
  installed = true;
  // 'exit' handlers must be synchronous: kill() only sends the signal, which is all that is needed.
  process.on('exit', () => {
    for (const c of running) {
      try {
        c.kill('SIGTERM');
      } catch {
        // already gone
      }
    }
  });
}
