// Every error leaves the API as RFC 9457 problem+json with a stable `type`, so integrators can
// branch on it. Only AppError and client errors from koa/http-errors are shown to the caller;
// anything else is logged and answered with a generic 500.
import type { Context, Next } from 'koa';
import { NamespaceNotFoundError, ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ZodError } from 'zod';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { DomainError, type DomainErrorKind } from '../domain/errors.ts';
import type { Logger } from '../lib/logger.ts';

export const PROBLEM_BASE = 'https://onboarding.example/problems/';

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly detail?: string;
  readonly extra?: Record<string, unknown>;
  readonly headers?: Record<string, string>;
  constructor(code: string, status: number, title: string, options: { detail?: string; extra?: Record<string, unknown>; headers?: Record<string, string> } = {}) {
    super(title);
    this.name = 'AppError';
    this.code = code;
    this.status = status;
    this.detail = options.detail;
    this.extra = options.extra;
    this.headers = options.headers;
  }
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

/** The HTTP status of each kind of domain refusal (the API's problems and the pages' errors). */
export const KIND_STATUS: Record<DomainErrorKind, number> = {
  invalid: 400,
  unprocessable: 422,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  too_many: 429,
  unavailable: 503,
};

/** `member_exists` → `member-exists`: the problem types are URLs. */
export const problemType = (code: string) => PROBLEM_BASE + code.replace(/_/g, '-');

/**
 * A body whose Content-Encoding lies (`gzip` that is not gzip): zlib's own error, which carries no
 * HTTP status, so it read as a 500. It is the sender's fault.
 */
export function isBadContentEncoding(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^Z_(DATA|BUF|STREAM)_ERROR$/.test(code);
}

function toProblem(error: unknown, ctx: Context): { problem: Problem; log: boolean } {
  const instance = ctx.path;
  if (error instanceof DomainError) {
    const status = KIND_STATUS[error.kind];
    if (typeof error.details.retryAfterSeconds === 'number') ctx.set('Retry-After', String(error.details.retryAfterSeconds));
    return {
      problem: { ...error.details, type: problemType(error.code), title: error.message, status, instance, code: error.code },
      log: status >= 500,
    };
  }
  // An update the workflow did not answer within the RPC's deadline (a saturated server or worker):
  // it may still complete, and the client retries. A self-hosted Temporal server whose own
  // database is restarting answers "namespace not found" for a namespace that exists: also a
  // retry-later (and, were the namespace truly missing, the operator's to fix, not the caller's).
  if (error instanceof ServiceError || error instanceof WorkflowUpdateRPCTimeoutOrCancelledError || error instanceof NamespaceNotFoundError) {
    return {
      problem: { type: problemType('workflow-engine-unavailable'), title: 'The workflow engine did not answer; try again shortly', status: 503, instance },
      log: true,
    };
  }
  if (error instanceof AppError) {
    for (const [name, value] of Object.entries(error.headers ?? {})) ctx.set(name, value);
    return {
      problem: { type: problemType(error.code), title: error.message, status: error.status, detail: error.detail, instance, ...error.extra },
      log: error.status >= 500,
    };
  }
  if (error instanceof ZodError) {
    return {
      problem: {
        type: PROBLEM_BASE + 'validation-failed',
        title: 'The request is not valid',
        status: 400,
        instance,
        errors: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      },
      log: false,
    };
  }
  if (isBadContentEncoding(error)) {
    return {
      problem: { type: PROBLEM_BASE + 'bad-content-encoding', title: 'The body is not what its Content-Encoding says (gzip, deflate or br)', status: 400, instance },
      log: false,
    };
  }
  const e = error as { status?: number; statusCode?: number; expose?: boolean; message?: string; type?: string };
  const status = e.status ?? e.statusCode;
  if (status && status >= 400 && status < 500) {
    const code =
      status === 413 ? 'payload-too-large'
      : status === 415 ? 'unsupported-media-type'
      : status === 404 ? 'not-found'
      : status === 405 ? 'method-not-allowed'
      // co-body rethrows JSON.parse's SyntaxError with status 400.
      : error instanceof SyntaxError || e.type === 'entity.parse.failed' ? 'malformed-json'
      : 'bad-request';
    return {
      problem: { type: PROBLEM_BASE + code, title: e.expose && e.message ? e.message : 'Bad request', status, instance },
      log: false,
    };
  }
  if (isDatabaseUnavailable(error)) {
    ctx.set('Retry-After', '5');
    return {
      problem: { type: problemType('database-unavailable'), title: 'The database cannot be reached right now; try again shortly', status: 503, instance },
      log: true,
    };
  }
  return {
    problem: { type: PROBLEM_BASE + 'internal-error', title: 'Something went wrong on our side', status: 500, instance },
    log: true,
  };
}

export function problemMiddleware(logger: Logger) {
  return async function problems(ctx: Context, next: Next) {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new AppError('not-found', 404, 'No such resource', { detail: `${ctx.method} ${ctx.path} does not exist` });
      }
      // The routers' answers to a method a path does not take (Allow already set) or no route knows.
      if (ctx.status === 405 && ctx.body === undefined) {
        throw new AppError('method-not-allowed', 405, `${ctx.method} is not allowed on ${ctx.path}`, { detail: `this path takes ${ctx.response.get('Allow')}` });
      }
      if (ctx.status === 501 && ctx.body === undefined) {
        throw new AppError('not-implemented', 501, `${ctx.method} is not a method this server implements`);
      }
    } catch (error) {
      const { problem, log } = toProblem(error, ctx);
      if (log) logger.error({ err: error, requestId: ctx.state.requestId }, 'request failed');
      ctx.status = problem.status;
      ctx.type = 'application/problem+json';
      ctx.body = { ...problem, requestId: ctx.state.requestId };
    }
  };
}
