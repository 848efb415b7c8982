// The README and docs/ link to each other, to the repository's files and to headings: none may die.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { projectRoot } from '../config/index.ts';

const pages = ['README.md', ...fs.readdirSync(path.join(projectRoot, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replaceAll(' ', '-');

function anchors(file: string): Set<string> {
  const text = fs.readFileSync(path.join(projectRoot, file), 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));
}

function links(file: string): { target: string; line: number }[] {
  const text = fs.readFileSync(path.join(projectRoot, file), 'utf8');
  const found: { target: string; line: number }[] = [];
  let inCode = false;
  text.split('\n').forEach((line, i) => {
    if (line.startsWith('```')) inCode = !inCode;
    if (inCode) return;
    for (const m of line.matchAll(/\]\(([^)\s]+)\)/g)) found.push({ target: m[1]!, line: i + 1 });
  });
  return found;
}

test('the README stays a first page: about 250 lines at most', (t) => {
  const lines = fs.readFileSync(path.join(projectRoot, 'README.md'), 'utf8').split('\n').length;
  t.true(lines <= 260, `README.md has ${lines} lines`);
});

test('every relative link of the README and docs/ reaches a file, and every #anchor a heading', (t) => {
  const dead: string[] = [];
  let checked = 0;
  for (const page of pages) {
    for (const { target, line } of links(page)) {
      if (/^[a-z]+:/i.test(target)) continue;
      checked++;
      const [file, anchor] = target.split('#') as [string, string | undefined];
      const resolved = file ? path.normalize(path.join(path.dirname(page), file)) : page;
      if (!fs.existsSync(path.join(projectRoot, resolved))) {
        dead.push(`${page}:${line} → ${target} (no ${resolved})`);
        continue;
      }
      if (anchor && resolved.endsWith('.md') && !anchors(resolved).has(anchor)) dead.push(`${page}:${line} → ${target} (no heading #${anchor} in ${resolved})`);
    }
  }
  t.true(checked > 20, `checked ${checked} links`);
  t.deepEqual(dead, []);
});

test('the README links every page of docs/', (t) => {
  const readme = fs.readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
  const unlinked = pages.filter((p) => p !== 'README.md' && !readme.includes(`](${p}`));
  t.deepEqual(unlinked, []);
});
