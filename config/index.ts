// The one place that reads the environment. Every entry point calls loadConfig() once at start-up
// and passes the result down; nothing else touches process.env.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

const port = z.coerce.number().int().min(1).max(65535);
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const urlWith = (protocols: string[], message: string) =>
  z.string().refine((v) => {
    try {
      return protocols.includes(new URL(v).protocol);
    } catch {
      return false;
    }
  }, message);

const postgresUrl = urlWith(['postgres:', 'postgresql:'], 'must be a postgres:// or postgresql:// URL, e.g. postgres://user:password@host:5432/database');
const smtpUrl = urlWith(['smtp:', 'smtps:'], 'must be an smtp:// or smtps:// URL, e.g. smtp://user:password@mail.example.com:587');
const httpUrl = urlWith(['http:', 'https:'], 'must be an http:// or https:// URL');

const booleanFlag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

// Durations as `30s`, `15m`, `2d`, `1h30m` or plain milliseconds, so that tests and demos can run
// the lifecycle in seconds while production keeps days.
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== trimmed) return undefined;
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNIT_MS[unit!]!, 0);
}
const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === undefined || ms <= 0) {
        ctx.addIssue({ code: 'custom', message: 'must be a duration such as 90s, 15m, 2d or 1h30m' });
        return z.NEVER;
      }
      return ms;
    });

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().min(1).default('.data'),

  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  PUBLIC_URL: optional(httpUrl),
  // In production the app sits behind this many proxies that append to X-Forwarded-For; the
  // client is the entry the nearest of them wrote (entries left of it are the client's own say).
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(1),
  // In production /metrics answers only `Authorization: Bearer <METRICS_TOKEN>` (and not at all without one).
  METRICS_TOKEN: optional(z.string().min(16, 'must be at least 16 characters')),

  DATABASE_URL: optional(postgresUrl),
  EMBEDDED_POSTGRES_PORT: port.default(54329),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(500).default(10),

  // Temporal's own variables (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*,
  // TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE) are read by @temporalio/envconfig; we only decide
  // whether one of them asks for an external server.
  TEMPORAL_ADDRESS: optional(z.string().regex(/^[^\s:/]+:\d+$/, 'must be host:port, e.g. localhost:7233')),
  TEMPORAL_PROFILE: optional(z.string()),
  TEMPORAL_CONFIG_FILE: optional(z.string()),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('member-lifecycle'),
  TEMPORAL_CLI_PATH: optional(z.string()),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_HEADLESS: optional(booleanFlag),
  // Workflow payloads are encrypted (AES-256-GCM): `id:base64key[,…]`, the newest first; every key
  // listed decrypts, so a new one goes first and an old one leaves once no open workflow needs it.
  // Unset: a key derived from SECRET_KEY (docs/privacy.md).
  TEMPORAL_CODEC_KEYS: optional(z.string().min(1)),
  // 0: payloads are written unencrypted (to measure the codec's cost: npm run bench codec); the
  // encrypted ones already written are still read. Never in production with personal data.
  TEMPORAL_CODEC_ENCRYPT: optional(booleanFlag),
  // The Temporal web UI's origin, the only one allowed to call the codec endpoint from a browser
  // (default: the dev server's UI that npm start runs).
  TEMPORAL_UI_URL: optional(z.url()),
  // A workflow bundle built ahead (bundleWorkflowCode): a worker then starts in a second instead of
  // bundling workflows/ itself, which matters when a crashed worker is restarted.
  WORKFLOW_BUNDLE: optional(z.string().min(1)),
  // Workflows a worker keeps in memory between their tasks (the SDK's default follows the heap size:
  // about 2,400 on a 4 GB heap). Past it, a workflow is replayed from its history when it wakes.
  WORKER_MAX_CACHED_WORKFLOWS: optional(z.coerce.number().int().min(0).max(100_000)),

  SMTP_URL: optional(smtpUrl),
  SMTP_CATCHER_PORT: port.default(1025),
  MAIL_FROM: z.string().min(3).default('Onboarding <onboarding@localhost>'),
  // How long an e-mail is retried (with backoff) while the SMTP server fails; then it is marked failed.
  SMTP_RETRY_FOR: duration('24h'),

  // Signs invitation links and encrypts stored secrets (Wi-Fi passwords, door-controller secrets).
  // `npm start` keeps a generated one under DATA_DIR when unset; production must set it.
  SECRET_KEY: optional(z.string().min(32, 'must be at least 32 characters (e.g. `openssl rand -base64 48`)')),

  // The name of the operator the operators migration makes out of an install's companies.
  OPERATOR_NAME: z.string().trim().min(1).max(200).default('Operator'),

  // Lifecycle defaults; per-company overrides live in the database (organization.lifecycle_overrides).
  INVITATION_REMINDERS: z.string().default('2d,5d'),
  INVITATION_EXPIRES_AFTER: duration('7d'),
  CARD_REMINDERS: z.string().default('3d,10d'),
  CARD_OVERDUE_AFTER: duration('14d'),
  // A member with a start date is invited this long before it (nothing is sent earlier).
  INVITATION_LEAD: duration('7d'),
  // SCIM: members of the identity provider's group of this name are the company's administrators.
  SCIM_ADMIN_GROUP: z.string().trim().min(1).max(256).default('Administrators'),

  // Wi-Fi: FreeRADIUS, which `npm start` runs when it finds it (FREERADIUS_PATH, then PATH).
  FREERADIUS_PATH: optional(z.string()),
  // 0: FreeRADIUS runs elsewhere (its own service, as in docker-compose); npm start leaves it be.
  RADIUS_START: optional(booleanFlag),
  RADIUS_LISTEN_ADDRESS: z.ipv4().default('127.0.0.1'),
  RADIUS_AUTH_PORT: port.default(1812),
  RADIUS_ACCT_PORT: optional(port),
  // What access points are told to use (the pages and API show it): the address they reach.
  RADIUS_PUBLIC_HOST: optional(z.string().trim().min(1).max(253)),
  // The source addresses FreeRADIUS looks up as the sites' access points.
  RADIUS_CLIENT_NETWORK: z.cidrv4().default('0.0.0.0/0'),
  // How long FreeRADIUS keeps an access point it learned before reading it again (a removed one
  // or a new secret takes effect within this).
  RADIUS_CLIENT_LIFETIME: duration('60s'),

  // Webhooks: in production no delivery to loopback, private, link-local or metadata addresses;
  // 1 allows them (a receiver on the same network). Outside production they are allowed.
  WEBHOOK_ALLOW_PRIVATE: optional(booleanFlag),

  // Movement records (entry events) are purged after this many days by a daily Temporal Schedule.
  // The CNIL's rule for access-control badges: three months at most.
  ENTRY_EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  // Visitors' names, addresses and times, counted from the visit's date (the CNIL: three months at most).
  VISITOR_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  // E-mails (recipient, subject, the data they were made of) and webhook payloads, after they went out.
  MESSAGE_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  // A removed member's name, e-mail, external id and Wi-Fi credentials are pseudonymised this many
  // months after the removal (0: at the next daily purge). Operators may choose otherwise (0–60).
  PSEUDONYMISE_AFTER_MONTHS: z.coerce.number().int().min(0).max(60).default(12),
  // How long a walk-in waits at the kiosk for their host's answer before being told no.
  VISIT_APPROVAL_WAIT: duration('15m'),
});

function durationList(variable: string, text: string): number[] {
  const values = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => parseDuration(s));
  if (values.some((v) => v === undefined || v <= 0)) {
    throw new ConfigError(variable, 'must be a comma-separated list of durations such as 2d,5d');
  }
  return values as number[];
}

export interface CodecKey {
  id: string;
  key: Buffer;
}

/** `TEMPORAL_CODEC_KEYS`: `id:base64key[,id:base64key…]`, each key 32 bytes (`openssl rand -base64 32`), the newest first. */
export function parseCodecKeys(text: string): CodecKey[] {
  const keys = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.indexOf(':');
      const id = entry.slice(0, at);
      const key = Buffer.from(entry.slice(at + 1), 'base64');
      if (at < 1 || !/^[A-Za-z0-9._-]{1,64}$/.test(id)) throw new ConfigError('TEMPORAL_CODEC_KEYS', 'each entry must be id:base64key (e.g. 2026-12:$(openssl rand -base64 32))');
      if (key.length !== 32) throw new ConfigError('TEMPORAL_CODEC_KEYS', `key "${id}" must be 32 bytes in base64 (openssl rand -base64 32)`);
      return { id, key };
    });
  if (new Set(keys.map((k) => k.id)).size !== keys.length) throw new ConfigError('TEMPORAL_CODEC_KEYS', 'two keys share an id');
  return keys;
}

export type Config = ReturnType<typeof loadConfig>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    const value = env[variable];
    const problem = issue.code === 'invalid_value' && 'values' in issue
      ? `must be one of ${(issue.values as unknown[]).join(', ')}`
      : issue.message;
    // Never echo a secret back into logs.
    const shown = value === undefined || variable === 'SECRET_KEY' || variable === 'TEMPORAL_CODEC_KEYS' ? undefined : value;
    throw new ConfigError(variable, shown === undefined ? problem : `${problem} (got "${shown}")`);
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production' && !e.SMTP_URL) {
    throw new ConfigError('SMTP_URL', 'is required when NODE_ENV=production (the mail catcher is for development only)');
  }
  if (e.NODE_ENV === 'production' && !e.SECRET_KEY) {
    throw new ConfigError('SECRET_KEY', 'is required when NODE_ENV=production (e.g. `openssl rand -base64 48`)');
  }
  const dataDir = path.resolve(projectRoot, e.DATA_DIR);
  const publicUrl = (e.PUBLIC_URL ?? `http://${e.HOST === '0.0.0.0' ? '127.0.0.1' : e.HOST}:${e.PORT}`).replace(/\/$/, '');
  const radiusHost = e.RADIUS_PUBLIC_HOST ?? (e.RADIUS_LISTEN_ADDRESS === '0.0.0.0' ? new URL(publicUrl).hostname : e.RADIUS_LISTEN_ADDRESS);
  const externalTemporal = Boolean(e.TEMPORAL_ADDRESS || e.TEMPORAL_PROFILE || e.TEMPORAL_CONFIG_FILE);

  return {
    env: e.NODE_ENV,
    production: e.NODE_ENV === 'production',
    logLevel: e.LOG_LEVEL,
    dataDir,
    http: { host: e.HOST, port: e.PORT, publicUrl, trustProxyHops: e.TRUST_PROXY_HOPS, metricsToken: e.METRICS_TOKEN },
    database: {
      url: e.DATABASE_URL,
      embedded: e.DATABASE_URL === undefined,
      embeddedPort: e.EMBEDDED_POSTGRES_PORT,
      poolMax: e.DATABASE_POOL_MAX,
    },
    temporal: {
      external: externalTemporal,
      address: e.TEMPORAL_ADDRESS ?? `127.0.0.1:${e.TEMPORAL_PORT}`,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      cliPath: e.TEMPORAL_CLI_PATH,
      port: e.TEMPORAL_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
      uiOrigin: new URL(e.TEMPORAL_UI_URL ?? `http://127.0.0.1:${e.TEMPORAL_UI_PORT}`).origin,
      codecKeys: e.TEMPORAL_CODEC_KEYS === undefined ? [] : parseCodecKeys(e.TEMPORAL_CODEC_KEYS),
      encryptPayloads: e.TEMPORAL_CODEC_ENCRYPT ?? true,
      headless: e.TEMPORAL_HEADLESS ?? false,
      maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
      workflowBundle: e.WORKFLOW_BUNDLE === undefined ? undefined : path.resolve(projectRoot, e.WORKFLOW_BUNDLE),
    },
    mail: {
      smtpUrl: e.SMTP_URL,
      catcher: e.SMTP_URL === undefined && e.NODE_ENV !== 'production',
      catcherPort: e.SMTP_CATCHER_PORT,
      from: e.MAIL_FROM,
      retryForMs: e.SMTP_RETRY_FOR,
    },
    secretKey: e.SECRET_KEY,
    operatorName: e.OPERATOR_NAME,
    lifecycle: {
      invitationRemindersMs: durationList('INVITATION_REMINDERS', e.INVITATION_REMINDERS),
      invitationExpiresAfterMs: e.INVITATION_EXPIRES_AFTER,
      cardRemindersMs: durationList('CARD_REMINDERS', e.CARD_REMINDERS),
      cardOverdueAfterMs: e.CARD_OVERDUE_AFTER,
      invitationLeadMs: e.INVITATION_LEAD,
    },
    scim: { adminGroup: e.SCIM_ADMIN_GROUP },
    radius: {
      start: e.RADIUS_START ?? true,
      binaryPath: e.FREERADIUS_PATH,
      listenAddress: e.RADIUS_LISTEN_ADDRESS,
      authPort: e.RADIUS_AUTH_PORT,
      acctPort: e.RADIUS_ACCT_PORT ?? e.RADIUS_AUTH_PORT + 1,
      // What access points are told to enter (pages and API).
      server: { host: radiusHost, authPort: e.RADIUS_AUTH_PORT, acctPort: e.RADIUS_ACCT_PORT ?? e.RADIUS_AUTH_PORT + 1 },
      clientNetwork: e.RADIUS_CLIENT_NETWORK,
      clientLifetimeSeconds: Math.max(1, Math.round(e.RADIUS_CLIENT_LIFETIME / 1000)),
    },
    webhooks: { allowPrivate: e.WEBHOOK_ALLOW_PRIVATE ?? e.NODE_ENV !== 'production' },
    retention: { entryEventRetentionDays: e.ENTRY_EVENT_RETENTION_DAYS, visitorRetentionDays: e.VISITOR_RETENTION_DAYS, messageRetentionDays: e.MESSAGE_RETENTION_DAYS, pseudonymiseAfterMonths: e.PSEUDONYMISE_AFTER_MONTHS },
    visits: { approvalWaitMs: e.VISIT_APPROVAL_WAIT },
    // Kept so envconfig can read Temporal's standard variables from the same snapshot.
    rawEnv: env,
  };
}
