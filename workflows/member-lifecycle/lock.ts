// One step at a time touches the outside world, in arrival order, and a removal goes first: the
// lifecycle's lock, as in Temporal's safe-message-handlers sample (a mutex around each handler's
// work), plus the removal's turn.
import { CancellationScope, isCancellation, sleep } from '@temporalio/workflow';
import { Mutex } from 'async-mutex';
import { reject } from './reject.ts';

/** A removal waits this long for the step holding the lock, then interrupts it (one stuck retrying must not block it). */
const REMOVAL_PREEMPTS_AFTER_MS = 5_000;
/** The removal takes the lock before every step already waiting for it. */
const REMOVAL_PRIORITY = 1;

export class StepLock {
  private readonly mutex = new Mutex();
  private held: { scope: CancellationScope; removal: boolean; preempted: boolean } | undefined;

  /** Runs `step` alone, after the steps that asked before it (a removal: before all of them). */
  exclusive<T>(step: () => Promise<T>, options: { removal?: boolean } = {}): Promise<T> {
    return this.mutex.runExclusive(async () => {
      const mine = { scope: new CancellationScope(), removal: options.removal ?? false, preempted: false };
      this.held = mine;
      try {
        return await mine.scope.run(step);
      } catch (error) {
        if (mine.preempted && isCancellation(error)) reject('MemberRemoved', 'the member is being removed: this step was interrupted');
        throw error;
      } finally {
        if (this.held === mine) this.held = undefined;
      }
    }, options.removal ? REMOVAL_PRIORITY : 0);
  }

  /**
   * The removal's turn: ahead of the waiting steps, and a step that still holds the lock after
   * REMOVAL_PREEMPTS_AFTER_MS (e.g. an activity retrying what can never succeed) is cancelled.
   * Activities refuse to act for a removed member, so a cancelled one finishing late changes nothing.
   */
  async removalTurn<T>(step: () => Promise<T>): Promise<T> {
    if (!this.mutex.isLocked()) return this.exclusive(step, { removal: true });
    const turn = this.exclusive(step, { removal: true });
    const patience = new CancellationScope();
    patience
      .run(() => sleep(REMOVAL_PREEMPTS_AFTER_MS, { summary: 'removal waits for the step in progress' }))
      .then(
        () => {
          if (this.held && !this.held.removal) {
            this.held.preempted = true;
            this.held.scope.cancel();
          }
        },
        () => {},
      );
    try {
      return await turn;
    } finally {
      patience.cancel();
    }
  }
}
