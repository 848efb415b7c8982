// SCIM filters (RFC 7644 §3.4.2.2) → SQL. `scim2-parse-filter` parses (a maintained parser; its
// grammar is the RFC's); here each attribute a provider filters on maps to a column, and anything
// else is refused as `invalidFilter` rather than guessed. Values are always bound parameters.
import { sql, type RawBuilder } from 'kysely';
import { parse, type Filter } from 'scim2-parse-filter';
import { isRealDate } from '../time.ts';
import { ScimError } from './resources.ts';

export class ScimFilterError extends Error {}

/** How one attribute compares: the column, and whether it compares without case (SCIM's caseExact=false). */
export interface FilterColumn {
  column: string;
  caseInsensitive?: boolean;
  /** A boolean column (active): `status <> 'removed'` and the like. */
  boolean?: { whenTrue: string };
  /** A timestamp (meta.created, meta.lastModified): compared with an RFC 3339 date-time only. */
  dateTime?: boolean;
}

// RFC 7643 §2.3.5: xsd:dateTime. A year 0000 or a month 13 is not one, and PostgreSQL would have
// refused it with a 500 after the fact.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;

function dateTimeValue(value: unknown, path: string): Date {
  const text = typeof value === 'string' && DATE_TIME.test(value) ? value : undefined;
  const date = new Date(text ?? NaN);
  if (!text || !isRealDate(text.slice(0, 10)) || Number.isNaN(date.getTime())) {
    throw new ScimFilterError(`"${path}" compares with a date-time such as "2026-01-31T09:00:00Z", not ${JSON.stringify(value)}`);
  }
  return date;
}

export interface SqlFilter {
  sql: string;
  params: unknown[];
}

/**
 * The filter as a condition for a Kysely query: its SQL as this file wrote it (column expressions
 * of the callers' tables, never the provider's text), each `?` bound to its value.
 */
export function filterCondition(where: SqlFilter): RawBuilder<boolean> {
  const parts = where.sql.split('?');
  if (parts.length !== where.params.length + 1) throw new Error(`a SCIM filter's SQL has ${parts.length - 1} placeholders for ${where.params.length} values`);
  return sql<boolean>`(${sql.join(
    parts.map((part, i) => (i < where.params.length ? sql`${sql.raw(part)}${where.params[i]}` : sql.raw(part))),
    sql``,
  )})`;
}

const LIKE_ESCAPE = (v: string) => v.replace(/[\\%_]/g, (c) => `\\${c}`);

export function parseScimFilter(text: string): Filter {
  try {
    return parse(text);
  } catch (error) {
    throw new ScimFilterError(`the filter could not be read: ${(error as Error).message}`);
  }
}

/** `columns` keys are lower-case attribute paths (`username`, `emails.value`, `emails.type`, …). */
export function filterToSql(filter: Filter, columns: Record<string, FilterColumn>, prefix = ''): SqlFilter {
  const column = (path: string): FilterColumn => {
    const key = (prefix ? `${prefix}.${path}` : path).toLowerCase().replace(/^urn:ietf:params:scim:schemas:core:2\.0:(user|group):/, '');
    const found = columns[key];
    if (!found) throw new ScimFilterError(`filtering on "${path}" is not supported`);
    return found;
  };
  switch (filter.op) {
    case 'and':
    case 'or': {
      const parts = filter.filters.map((f) => filterToSql(f, columns, prefix));
      return { sql: `(${parts.map((p) => p.sql).join(` ${filter.op} `)})`, params: parts.flatMap((p) => p.params) };
    }
    case 'not': {
      const inner = filterToSql(filter.filter, columns, prefix);
      return { sql: `(not ${inner.sql})`, params: inner.params };
    }
    case '[]':
      // emails[type eq "work"]: the sub-filter's attributes are the multi-valued attribute's own.
      return filterToSql(filter.valFilter, columns, prefix ? `${prefix}.${filter.attrPath}` : filter.attrPath);
    case 'pr': {
      const c = column(filter.attrPath);
      return { sql: c.boolean ? 'true' : `(${c.column} is not null)`, params: [] };
    }
    default: {
      const c = column(filter.attrPath);
      const value = filter.compValue;
      if (c.boolean) {
        if (typeof value !== 'boolean' || (filter.op !== 'eq' && filter.op !== 'ne')) throw new ScimFilterError(`"${filter.attrPath}" compares with eq or ne and true or false`);
        const truth = (filter.op === 'eq') === value;
        return { sql: truth ? `(${c.boolean.whenTrue})` : `(not (${c.boolean.whenTrue}))`, params: [] };
      }
      if (value === null) return { sql: filter.op === 'ne' ? `(${c.column} is not null)` : `(${c.column} is null)`, params: [] };
      if (c.dateTime) {
        if (!['eq', 'ne', 'gt', 'ge', 'lt', 'le'].includes(filter.op)) throw new ScimFilterError(`"${filter.attrPath}" compares with eq, ne, gt, ge, lt or le`);
        const sqlOp = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' }[filter.op as 'eq'];
        return { sql: `(${c.column} ${sqlOp} ?)`, params: [dateTimeValue(value, filter.attrPath)] };
      }
      const text = String(value);
      const lhs = c.caseInsensitive ? `lower(${c.column})` : c.column;
      const rhs = c.caseInsensitive ? text.toLowerCase() : text;
      switch (filter.op) {
        case 'eq': return { sql: `(${lhs} = ?)`, params: [rhs] };
        case 'ne': return { sql: `(${lhs} is distinct from ?)`, params: [rhs] };
        case 'co': return { sql: `(${lhs} like ?)`, params: [`%${LIKE_ESCAPE(rhs)}%`] };
        case 'sw': return { sql: `(${lhs} like ?)`, params: [`${LIKE_ESCAPE(rhs)}%`] };
        case 'ew': return { sql: `(${lhs} like ?)`, params: [`%${LIKE_ESCAPE(rhs)}`] };
        case 'gt': return { sql: `(${lhs} > ?)`, params: [rhs] };
        case 'ge': return { sql: `(${lhs} >= ?)`, params: [rhs] };
        case 'lt': return { sql: `(${lhs} < ?)`, params: [rhs] };
        case 'le': return { sql: `(${lhs} <= ?)`, params: [rhs] };
      }
      throw new ScimFilterError(`operator "${(filter as { op: string }).op}" is not supported`);
    }
  }
}

/**
 * A list request's page (1-based `startIndex`, `count` up to 200) and its filter as SQL; a filter
 * that cannot be read, or names what cannot be filtered on, is SCIM's `invalidFilter`.
 */
export function listWindow(query: { filter?: string; startIndex?: number; count?: number }, columns: Record<string, FilterColumn>): { startIndex: number; count: number; where: SqlFilter } {
  const startIndex = Math.max(1, query.startIndex ?? 1);
  const count = Math.min(Math.max(0, query.count ?? 100), 200);
  if (!query.filter) return { startIndex, count, where: { sql: 'true', params: [] } };
  try {
    return { startIndex, count, where: filterToSql(parseScimFilter(query.filter), columns) };
  } catch (error) {
    if (error instanceof ScimFilterError) throw new ScimError(400, error.message, 'invalidFilter');
    throw error;
  }
}
