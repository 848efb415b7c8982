// The code's floors, read from its imports: no import runs in a circle (between files or between
// folders), and the workflow contract stays below the domain. Tests, benchmarks and drills sit on
// top and are left out.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { projectRoot } from '../config/index.ts';

const LEFT_OUT = new Set(['node_modules', 'test', 'bench', 'drills', 'test-output', 'docs']);
const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)'(\.{1,2}\/[^']+)'/gm;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('.') || LEFT_OUT.has(entry.name)) return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

const files = sourceFiles(projectRoot).map((f) => path.relative(projectRoot, f));
const imports = new Map(
  files.map((file) => {
    const text = fs.readFileSync(path.join(projectRoot, file), 'utf8');
    const targets = [...text.matchAll(IMPORT)].map((m) => path.relative(projectRoot, path.resolve(projectRoot, path.dirname(file), m[1]!)));
    return [file, targets] as const;
  }),
);
const folder = (file: string) => (file.includes('/') ? file.split('/')[0]! : '.');
const folders = new Map<string, Set<string>>();
for (const [file, targets] of imports) {
  for (const target of targets) {
    if (folder(file) !== folder(target) && folder(file) !== '.') {
      if (!folders.has(folder(file))) folders.set(folder(file), new Set());
      folders.get(folder(file))!.add(folder(target));
    }
  }
}

/** Tarjan's strongly connected components with more than one node: the import circles. */
function circles(graph: Map<string, Iterable<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

test('no import circle between files', (t) => {
  t.true(files.length > 100, `read ${files.length} files`);
  t.deepEqual(circles(imports), []);
});

test('no import circle between folders: none imports from a folder that depends on it', (t) => {
  t.true(folders.get('server')?.has('api'), 'the graph is read (server assembles api)');
  t.deepEqual(circles(folders), []);
});

test('the workflow contract imports nothing from domain/, and domain/ no workflow code', (t) => {
  const offending = [...imports].flatMap(([file, targets]) =>
    targets
      .filter((target) => (folder(file) === 'contract' && !['db', 'contract'].includes(folder(target))) || (folder(file) === 'domain' && folder(target) === 'workflows'))
      .map((target) => `${file} → ${target}`),
  );
  t.deepEqual(offending, []);
});
