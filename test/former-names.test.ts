// "company", formerly "organization": payloads written before the rename (workflow inputs, carried
// state, activity inputs of runs in flight) are read with the new name; new ones are written so.
import test from 'ava';
import { withCompanyId } from '../contract/workflows.ts';
import { readFormerNames } from '../activities/former-names.ts';

test('a payload written before the rename is read with companyId; a new one passes as it is', (t) => {
  t.deepEqual(withCompanyId({ organizationId: 'c1', memberId: 'm1' } as never), { companyId: 'c1', memberId: 'm1' });
  const current = { companyId: 'c2', memberId: 'm2' };
  t.is(withCompanyId(current), current);
  t.deepEqual(withCompanyId({ companyId: 'c3', organizationId: 'old' }), { companyId: 'c3', organizationId: 'old' }, 'the new name wins');
});

test('activities scheduled before the rename get companyId, in their input and one level inside it', async (t) => {
  const seen: unknown[] = [];
  const activities = readFormerNames({
    async step(input: { companyId: string }) {
      seen.push(input);
      return input.companyId;
    },
    async both(input: { lifecycle: { companyId: string }; invitation: { companyId: string } }) {
      seen.push(input);
      return [input.lifecycle.companyId, input.invitation.companyId];
    },
  });
  t.is(await activities.step({ organizationId: 'c1' } as never), 'c1');
  t.is(await activities.step({ companyId: 'c2' }), 'c2');
  t.deepEqual(await activities.both({ lifecycle: { organizationId: 'c3' }, invitation: { companyId: 'c3' } } as never), ['c3', 'c3']);
  t.deepEqual(seen[0], { companyId: 'c1' });
});
