// Translations as plain-text YAML, one file per language, flattened to dotted keys. The e-mails and
// the pages each have their own folder; both are checked the same way at load: every language has
// exactly the keys of the first, and no translation carries markup (values are escaped as a whole).
import fs from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';

export type TranslationTable = Map<string, string>;

export class TranslationError extends Error {
  readonly file: string;
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'TranslationError';
    this.file = file;
  }
}

function flatten(value: unknown, prefix: string, into: TranslationTable, file: string): void {
  if (typeof value === 'string') {
    into.set(prefix, value);
    return;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TranslationError(file, `${prefix || '(root)'} must be a string or a group of strings`);
  }
  for (const [key, child] of Object.entries(value)) flatten(child, prefix ? `${prefix}.${key}` : key, into, file);
}

/** `<dir>/<locale>.yaml` for each locale, checked against the first one. */
export async function loadTranslations<L extends string>(dir: string, locales: readonly L[]): Promise<Map<L, TranslationTable>> {
  const tables = new Map<L, TranslationTable>();
  for (const locale of locales) {
    const file = path.join(dir, `${locale}.yaml`);
    const table: TranslationTable = new Map();
    let parsed: unknown;
    try {
      parsed = YAML.parse(await fs.readFile(file, 'utf8'));
    } catch (error) {
      throw new TranslationError(file, (error as Error).message);
    }
    flatten(parsed, '', table, file);
    for (const [key, source] of table) {
      if (/[<>]/.test(source)) throw new TranslationError(file, `${key} contains markup; translations are plain text`);
    }
    tables.set(locale, table);
  }
  const [first, ...others] = locales;
  const reference = tables.get(first!)!;
  for (const locale of others) {
    const keys = tables.get(locale)!;
    const missing = [...reference.keys()].filter((k) => !keys.has(k));
    const extra = [...keys.keys()].filter((k) => !reference.has(k));
    if (missing.length || extra.length) {
      throw new TranslationError(path.join(dir, `${locale}.yaml`), `keys differ from ${first}.yaml: missing ${missing.join(', ') || 'none'}; extra ${extra.join(', ') || 'none'}`);
    }
  }
  return tables;
}
