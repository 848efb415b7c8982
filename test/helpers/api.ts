// The HTTP API as integrators meet it: a real app on a random port, a real worker, a fresh
// database and a company with its API key; plus a small fetch wrapper and the steps that
// turn an e-mailed invitation into a session.
import { followSiteGrants } from '../../domain/access/site-grants.ts';
import { randomBytes } from 'node:crypto';
import type { Scope } from './scope.ts';
import type { Orm } from '../../db/orm.ts';
import { createLifecycleGateway } from '../../domain/members/lifecycle-gateway.ts';
import { createCompanyAtSite } from '../../domain/companies/create-company.ts';
import { openMailbox, type CaughtMail } from '../../services/mail-catcher.ts';
import { startApi } from './app.ts';
import { contractChecker } from './contract.ts';
import { migratedOrm } from './database.ts';
import { testEnv } from './env.ts';
import { defaultDurations } from './lifecycle.ts';
import { startWorker, temporalClient, uniqueTaskQueue } from './temporal.ts';
import { createWebhookGateway } from '../../domain/webhooks/gateway.ts';
import { listenForWebhookEvents } from '../../worker/webhook-listener.ts';
import { waitFor } from './wait.ts';

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** Sent as is (with its own Content-Type header) instead of JSON. */
  raw?: string;
  headers?: Record<string, string>;
}

/** Every reply is checked against the app's own OpenAPI document (fetched once per app). */
export function httpClient(base: string) {
  let checker: Promise<ReturnType<typeof contractChecker>> | undefined;
  const contract = () => (checker ??= fetch(base + '/openapi.json').then(async (r) => contractChecker((await r.json()) as Parameters<typeof contractChecker>[0])));
  async function call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.raw;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['Content-Type'] ??= 'application/json';
    }
    const response = await fetch(base + path, { method, headers, body });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    const reply = { status: response.status, headers: response.headers, text, body: /json/.test(type) && text ? JSON.parse(text) : text };
    const violation = (await contract())(method, path, reply.status, type, reply.body, text);
    if (violation) throw new Error(`${method} ${path} → ${reply.status} breaks the OpenAPI document: ${violation.problem}`);
    return reply;
  }
  return {
    url: base,
    call,
    get: <T = any>(path: string, o?: CallOptions) => call<T>('GET', path, o),
    post: <T = any>(path: string, body?: unknown, o?: CallOptions) => call<T>('POST', path, { ...o, ...(body === undefined ? {} : { body }) }),
    patch: <T = any>(path: string, body?: unknown, o?: CallOptions) => call<T>('PATCH', path, { ...o, body }),
    put: <T = any>(path: string, body?: unknown, o?: CallOptions) => call<T>('PUT', path, { ...o, body }),
    delete: <T = any>(path: string, o?: CallOptions) => call<T>('DELETE', path, o),
  };
}
export type HttpClient = ReturnType<typeof httpClient>;

const mailbox = openMailbox(testEnv.mailDir);
export const tag = () => randomBytes(4).toString('hex');

export async function waitForMail(to: string, subject: RegExp, count = 1): Promise<CaughtMail[]> {
  return waitFor(`${count} e-mail(s) to ${to} matching ${subject}`, async () => {
    const mails = (await mailbox.list({ to })).filter((m) => subject.test(m.subject));
    return mails.length >= count ? mails : undefined;
  });
}

/** The token of the latest invitation link e-mailed to `email`. */
export async function invitationToken(email: string, count = 1): Promise<string> {
  const mails = await waitForMail(email, /invit|account|compte/i, count);
  // The mailbox lists newest first.
  const link = /\/invitations\/([^\s]+)/.exec(mails[0]!.text)?.[1];
  if (!link) throw new Error(`no invitation link in: ${mails[0]!.text}`);
  return decodeURIComponent(link);
}

export const PASSWORD = 'correct horse battery staple';

export interface ApiWorld {
  orm: Orm;
  /** The database's URL. */
  url: string;
  /** Where the app (API and pages) listens. */
  appUrl: string;
  taskQueue: string;
  api: HttpClient;
  org: { companyId: string; apiKey: string; siteId: string; siteName: string; adminMemberId: string; adminEmail: string; operatorApiKey: string | null };
  /** The operator's key (made with the first company): sites, door controllers, card stock, companies. */
  operatorKey: string;
  /** A new site of the operator (POST /v1/sites), granted to the company. */
  newSite(body: Record<string, unknown>, company?: { companyId: string }): Promise<Reply>;
  /** Another company, for tenant-isolation checks. */
  newCompany(): Promise<ApiWorld['org']>;
  /** Invites through the API and creates the password from the e-mailed link: a member session. */
  member(options?: { role?: 'admin' | 'user'; siteId?: string; email?: string; name?: string }): Promise<{ id: string; email: string; token: string }>;
  /** A company's first admin, signed in (their lifecycle started as org:create does). */
  adminSession(organization?: ApiWorld['org']): Promise<string>;
}

export async function apiWorld(t: Scope): Promise<ApiWorld> {
  const { orm, url } = await migratedOrm(t);
  const taskQueue = uniqueTaskQueue();
  await startWorker(t, { orm, taskQueue });
  const { url: base } = await startApi(t, { orm, taskQueue });
  const api = httpClient(base);
  const client = await temporalClient(t);
  // As a worker process does: committed webhook events wake the relay.
  const listener = await listenForWebhookEvents({ databaseUrl: url, gateway: createWebhookGateway({ client, taskQueue }) });
  t.teardown(() => listener.close());

  // The first company's admin also runs the buildings, as `org:create` on a fresh install makes them.
  const newCompany = async (operatorAdmin = false) => {
    const adminEmail = `admin-${tag()}@acme.test`;
    const siteName = `Paris HQ ${tag()}`;
    const created = await createCompanyAtSite(orm.em.fork(), { name: `Acme ${tag()}`, adminEmail, adminName: 'Ada Admin', siteName, operatorAdmin, actor: 'test' });
    return { ...created, siteName, adminEmail };
  };
  const org = await newCompany(true);
  // The promise, not the token: tests running at once ask for the same admin, and the invitation accepts once.
  const adminTokens = new Map<string, Promise<string>>();

  const world: ApiWorld = {
    orm,
    url,
    appUrl: base,
    taskQueue,
    api,
    org,
    operatorKey: org.operatorApiKey!,
    newCompany: () => newCompany(),
    async newSite(body, company = org) {
      const site = await api.post('/v1/sites', body, { token: org.operatorApiKey! });
      if (site.status !== 201) return site;
      // Granted in SQL, not by PATCH /v1/companies/{id}: that takes the whole list, and tests
      // adding sites at once would overwrite each other's grants.
      await orm.em.fork().execute('insert into company_site (organization_id, site_id, granted_at) values (?, ?, now()) on conflict do nothing', [company.companyId, site.body.id]);
      // And its common zone, as a site grant does.
      await followSiteGrants(orm.em.fork(), company.companyId, { granted: [site.body.id], taken: [] });
      return site;
    },
    async member(options = {}) {
      const email = options.email ?? `member-${tag()}@acme.test`;
      const invited = await api.post('/v1/members', { email, name: options.name ?? `Member ${email.split('@')[0]}`, role: options.role ?? 'user', siteId: options.siteId ?? org.siteId, locale: 'en' }, { token: org.apiKey });
      if (invited.status !== 201) throw new Error(`invite failed: ${invited.status} ${invited.text}`);
      const accepted = await api.post(`/v1/invitations/${encodeURIComponent(await invitationToken(email))}/accept`, { password: PASSWORD });
      if (accepted.status !== 201) throw new Error(`accept failed: ${accepted.status} ${accepted.text}`);
      return { id: invited.body.id, email, token: accepted.body.token };
    },
    adminSession(o = org) {
      const known = adminTokens.get(o.companyId);
      if (known) return known;
      const session = (async () => {
        await createLifecycleGateway({ client, taskQueue, defaults: defaultDurations }).start({ memberId: o.adminMemberId, companyId: o.companyId, invitedBy: 'test' });
        const accepted = await api.post(`/v1/invitations/${encodeURIComponent(await invitationToken(o.adminEmail))}/accept`, { password: PASSWORD });
        if (accepted.status !== 201) throw new Error(`accept failed: ${accepted.status} ${accepted.text}`);
        return accepted.body.token as string;
      })();
      adminTokens.set(o.companyId, session);
      return session;
    },
  };
  return world;
}

/** Asserts the answer is a problem+json of this type and status. */
export function problemOf(reply: Reply): { status: number; type: string; contentType: string | null } {
  return { status: reply.status, type: String(reply.body?.type ?? '').replace('https://onboarding.example/problems/', ''), contentType: reply.headers.get('content-type') };
}
