// What an administrator or the member does to a lifecycle, in one place for the API and the pages:
// each is an update or signal of the member's workflow, its rejections turned into DomainErrors.
import type { Client } from '@temporalio/client';
import {
  changeRoleUpdate,
  changeSiteUpdate,
  confirmCardUpdate,
  registerCardUpdate,
  removeUpdate,
  replaceCardUpdate,
  resendInvitationUpdate,
  scanQrUpdate,
  stateQuery,
  wizardClosedSignal,
} from '../../workflows/member-lifecycle/messages.ts';
import type { EnrollmentResult, LifecycleView, MemberRole } from '../../workflows/member-lifecycle/types.ts';
import { lifecycleHandle, onLifecycle } from './lifecycle.ts';

export function memberActions(client: Client) {
  const handle = (memberId: string) => lifecycleHandle(client, memberId);
  return {
    /** The lifecycle's state; rejects with `lifecycle_not_running` once it has ended. */
    state: (memberId: string): Promise<LifecycleView> => onLifecycle(memberId, () => handle(memberId).query(stateQuery)),
    /** What an administrator sees: everything but the member's own door PIN. */
    async adminState(memberId: string): Promise<LifecycleView | null> {
      const view = await handle(memberId).query(stateQuery).catch(() => null);
      return view && { ...view, card: { ...view.card, pin: null } };
    },
    changeRole: (memberId: string, role: MemberRole, actor: string) =>
      onLifecycle(memberId, () => handle(memberId).executeUpdate(changeRoleUpdate, { args: [{ role, actor }] })),
    changeSite: (memberId: string, siteId: string, actor: string) =>
      onLifecycle(memberId, () => handle(memberId).executeUpdate(changeSiteUpdate, { args: [{ siteId, actor }] })),
    resendInvitation: (memberId: string, actor: string) =>
      onLifecycle(memberId, () => handle(memberId).executeUpdate(resendInvitationUpdate, { args: [{ actor }] })),
    registerCard: (memberId: string, input: { cardNumber: string; replace: boolean; actor: string }): Promise<EnrollmentResult> =>
      onLifecycle(memberId, () =>
        handle(memberId).executeUpdate(input.replace ? replaceCardUpdate : registerCardUpdate, { args: [{ cardNumber: input.cardNumber, actor: input.actor }] }),
      ),
    remove: (memberId: string, input: { actor: string; reason?: string }) =>
      onLifecycle(memberId, () => handle(memberId).executeUpdate(removeUpdate, { args: [{ actor: input.actor, ...(input.reason ? { reason: input.reason } : {}) }] })),
    confirmCard: (memberId: string, actor: string) => onLifecycle(memberId, () => handle(memberId).executeUpdate(confirmCardUpdate, { args: [{ actor }] })),
    closeWizard: (memberId: string, step: 1 | 2, closeId: string) => onLifecycle(memberId, () => handle(memberId).signal(wizardClosedSignal, { step, closeId })),
    scanQr: (memberId: string, payload: string, actor: string): Promise<EnrollmentResult> =>
      onLifecycle(memberId, () => handle(memberId).executeUpdate(scanQrUpdate, { args: [{ payload, actor }] })),
  };
}

export type MemberActions = ReturnType<typeof memberActions>;
