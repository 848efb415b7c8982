import { CancellationScope, isCancellation, sleep } from '@temporalio/workflow';

/**
 * One durable timer per deadline: a message that wakes the workflow without moving the next
 * deadline keeps the running timer, so the history shows each reminder's timer once.
 */
export class DeadlineTimer {
  private current: { at: number; fired: Promise<void>; scope: CancellationScope } | undefined;

  until(deadline: { at: number; summary: string }): Promise<void> {
    if (this.current?.at !== deadline.at) {
      this.current?.scope.cancel();
      const scope = new CancellationScope();
      const fired = scope.run(() => sleep(Math.max(deadline.at - Date.now(), 1), { summary: deadline.summary })).then(
        () => {
          if (this.current?.scope === scope) this.current = undefined;
        },
        (error: unknown) => {
          if (!isCancellation(error)) throw error;
        },
      );
      this.current = { at: deadline.at, fired, scope };
    }
    return this.current.fired;
  }

  cancel(): void {
    this.current?.scope.cancel();
    this.current = undefined;
  }
}
