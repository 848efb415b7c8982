// What text may enter the platform, from any door: API bodies and queries, page forms, CSV cells
// and door events. PostgreSQL refuses NUL in text (an activity fed one fails on every retry), and
// other control characters only hide things in names and logs; the same characters written in
// two Unicode forms would make two e-mail addresses or names of one. So: no control characters
// (line breaks only where a field is meant to hold lines), NFC, bounded lengths and nesting.
import { DomainError } from './errors.ts';

/** C0 controls but tab, LF and CR; DEL; C1 controls; lone surrogates (not encodable as UTF-8). */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uD800-\uDFFF]/u;
const LINE_BREAK_OR_TAB = /[\t\n\r]/;

export const MAX_TEXT_LENGTH = 10_000;
/** A text of lines (a card list, a CSV file) is bounded by the request's size limit instead. */
export const MAX_LINES_LENGTH = 1_048_576;
export const MAX_NESTING = 16;

/**
 * Fields that hold several lines: a site's card list, the addresses pasted in the invite form, a
 * schedule's windows and closures typed one per line. (In the API, each is checked by its schema.)
 */
export const MULTILINE_FIELDS = new Set(['cards', 'email', 'weekly', 'closures']);

function refuse(field: string, problem: string): never {
  throw new DomainError('invalid_text', 'invalid', `${field}: ${problem}`, { field });
}

/** One string, checked and NFC-normalised; `field` names it in the refusal. */
export function checkText(value: string, field: string, options: { multiline?: boolean; maxLength?: number } = {}): string {
  const match = CONTROL.exec(value);
  if (match) refuse(field, `contains a control character (U+${match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`);
  if (!options.multiline && LINE_BREAK_OR_TAB.test(value)) refuse(field, 'must be on one line (no line break or tab)');
  const normalized = value.normalize('NFC');
  const max = options.maxLength ?? (options.multiline ? MAX_LINES_LENGTH : MAX_TEXT_LENGTH);
  if (normalized.length > max) refuse(field, `is longer than ${max} characters`);
  return normalized;
}

/**
 * Every string in a parsed body or query, keys included, checked and normalised in place; deeper
 * than MAX_NESTING is refused (walked without recursion, so no depth can overflow the stack).
 */
export function checkInputTree(root: unknown, rootName: string): unknown {
  if (typeof root === 'string') return checkText(root, rootName, { multiline: MULTILINE_FIELDS.has(rootName) });
  if (root === null || typeof root !== 'object') return root;
  const stack: { node: Record<string, unknown> | unknown[]; path: string; depth: number }[] = [{ node: root as Record<string, unknown>, path: rootName, depth: 1 }];
  while (stack.length) {
    const { node, path, depth } = stack.pop()!;
    if (depth > MAX_NESTING) refuse(path, `is nested more than ${MAX_NESTING} levels deep`);
    const entries: [string, unknown][] = Array.isArray(node) ? node.map((v, i) => [String(i), v]) : Object.entries(node);
    for (const [key, value] of entries) {
      const at = path ? `${path}.${key}` : key;
      if (!Array.isArray(node)) checkText(key, `${path || 'body'} (a key)`, { maxLength: 200 });
      if (typeof value === 'string') {
        const clean = checkText(value, at, { multiline: MULTILINE_FIELDS.has(key) });
        if (clean !== value) (node as Record<string, unknown>)[key] = clean;
      } else if (value !== null && typeof value === 'object') {
        stack.push({ node: value as Record<string, unknown>, path: at, depth: depth + 1 });
      }
    }
  }
  return root;
}
