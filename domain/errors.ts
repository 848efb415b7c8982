import { UniqueConstraintViolationException } from '@mikro-orm/core';

// Errors the domain raises for callers to act on. The HTTP layer maps `kind` to a status; the
// code names the case in the product's words (`last_admin`, `member_exists`, …).
export type DomainErrorKind = 'invalid' | 'unprocessable' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'gone' | 'too_many' | 'unavailable';

export class DomainError extends Error {
  readonly code: string;
  readonly kind: DomainErrorKind;
  readonly details: Record<string, unknown>;
  constructor(code: string, kind: DomainErrorKind, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.kind = kind;
    this.details = details;
  }
}

/**
 * A unique constraint refused the write: MikroORM's exception for the ORM's own calls, PostgreSQL's
 * code (23505) for Kysely's queries, whose errors the driver passes through, possibly as a cause.
 */
export function isUniqueViolation(error: unknown): boolean {
  const code = (e: unknown) => (e as { code?: string } | undefined)?.code;
  return error instanceof UniqueConstraintViolationException || code(error) === '23505' || code((error as { cause?: unknown } | undefined)?.cause) === '23505';
}
