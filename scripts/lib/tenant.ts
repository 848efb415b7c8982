// One customer company on a running stack, driven the way its HR system, its members and its
// door controller drive the product: over HTTP. Used by the benchmarks and the fault drills.
import { randomBytes } from 'node:crypto';
import { createCompanyAtSite, issueOperatorKey } from '../../domain/companies/create-company.ts';
import { signDoorRequest } from '../../domain/door/signatures.ts';
import type { ProcessStack } from './process-stack.ts';
import { waitFor } from './wait.ts';

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export const PASSWORD = 'correct horse battery staple';

export interface Tenant {
  companyId: string;
  siteId: string;
  apiKey: string;
  /** The operator's key: the site's door controllers and card stock, the company itself. */
  operatorKey: string;
  adminEmail: string;
  /** As the company's HR system (its API key) unless another `token` is given or `anonymous`. */
  call<T = any>(method: string, path: string, options?: { body?: unknown; token?: string; anonymous?: boolean; headers?: Record<string, string>; raw?: string }): Promise<Reply<T>>;
  /** Registers a door controller; later door events are signed with its secret. */
  /** A door of the tenant's site, guarding `zoneId` (the common zone by default). */
  doorController(zoneId?: string): Promise<{ id: string; secret: string }>;
  /** Adds `count` cards to the site's stock; answers their numbers. */
  addCards(count: number): Promise<string[]>;
  /** A signed door event, as the controller sends it. */
  doorEvent(controller: { id: string; secret: string }, event: Record<string, unknown>): Promise<Reply>;
  /** Posts a bulk invitation (JSON rows) and answers the import id. */
  bulkInvite(emails: string[], options?: { idempotencyKey?: string }): Promise<string>;
  /** The token in the newest invitation link e-mailed to `email`, once it arrived. */
  invitationToken(email: string, timeoutMs?: number): Promise<string>;
  /** Creates the password from the e-mailed link: the member's session token. */
  accept(email: string, timeoutMs?: number): Promise<{ memberId: string; token: string }>;
}

export const uniqueEmail = (prefix: string, i: number) => `${prefix}-${i}-${randomBytes(3).toString('hex')}@bench.test`;

export async function createTenant(stack: ProcessStack): Promise<Tenant> {
  const adminEmail = `admin-${randomBytes(4).toString('hex')}@bench.test`;
  const org = await createCompanyAtSite(stack.orm.em.fork(), { name: 'Bench Coworking', adminEmail, adminName: 'Ada Admin', siteName: `Paris HQ ${randomBytes(3).toString('hex')}`, actor: 'bench' });
  const operatorKey = org.operatorApiKey ?? (await issueOperatorKey(stack.orm.em.fork(), org.operatorId, { name: 'bench', actor: 'bench' }));

  const call: Tenant['call'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (!options.anonymous) headers.Authorization = `Bearer ${options.token ?? org.apiKey}`;
    let body = options.raw;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['Content-Type'] ??= 'application/json';
    }
    // As a real client does, a request that hangs (its connection lost with a dead API) is given up,
    // after longer than the API itself waits on a workflow (a minute), and retried.
    const response = await fetch(stack.apiUrl + path, { method, headers, body, signal: AbortSignal.timeout(90_000) });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text && /json/.test(response.headers.get('content-type') ?? '') ? JSON.parse(text) : text };
  };
  const expect = <T>(reply: Reply<T>, status: number, what: string): T => {
    if (reply.status !== status) throw new Error(`${what}: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body;
  };

  const tenant: Tenant = {
    companyId: org.companyId,
    siteId: org.siteId,
    apiKey: org.apiKey,
    operatorKey,
    adminEmail,
    call,
    async doorController(zoneId) {
      const body = { name: `Door ${randomBytes(3).toString('hex')}`, ...(zoneId ? { zoneId } : {}) };
      const created = expect(await call('POST', `/v1/sites/${org.siteId}/door-controllers`, { body, token: operatorKey }), 201, 'door controller');
      return { id: created.id, secret: created.secret };
    },
    async addCards(count) {
      const numbers = Array.from({ length: count }, () => `C${randomBytes(6).toString('hex').toUpperCase()}`);
      for (let i = 0; i < numbers.length; i += 1000) {
        expect(await call('POST', `/v1/sites/${org.siteId}/cards`, { body: { cards: numbers.slice(i, i + 1000).map((number) => ({ number })) }, token: operatorKey }), 201, 'cards');
      }
      return numbers;
    },
    doorEvent(controller, event) {
      const raw = JSON.stringify(event);
      return call('POST', '/v1/door-events', {
        raw,
        anonymous: true,
        headers: { 'Content-Type': 'application/json', 'X-Door-Controller': controller.id, 'X-Signature': signDoorRequest(controller.secret, raw) },
      });
    },
    async bulkInvite(emails, options = {}) {
      const reply = await call('POST', '/v1/members/bulk', {
        body: { members: emails.map((email) => ({ email, name: email.split('@')[0], locale: 'en' })) },
        headers: options.idempotencyKey ? { 'Idempotency-Key': options.idempotencyKey } : {},
      });
      return expect(reply, 202, 'bulk invitation').importId as string;
    },
    async invitationToken(email, timeoutMs = 60_000) {
      const delivery = await waitFor(`the invitation e-mail to ${email}`, () => stack.smtp.to(email).at(-1), { timeoutMs, intervalMs: 50 });
      const text = (await stack.smtp.parse(delivery)).text ?? '';
      const link = /\/invitations\/([^\s]+)/.exec(text)?.[1];
      if (!link) throw new Error(`no invitation link in the e-mail to ${email}`);
      return decodeURIComponent(link);
    },
    async accept(email, timeoutMs) {
      const token = await tenant.invitationToken(email, timeoutMs);
      const session = expect(await call('POST', `/v1/invitations/${encodeURIComponent(token)}/accept`, { body: { password: PASSWORD }, anonymous: true }), 201, `accepting ${email}`);
      return { memberId: session.memberId, token: session.token };
    },
  };
  return tenant;
}
