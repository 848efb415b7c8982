// What people take away as files, read back as they would: a browser's download, a zip, an audit
// export checked by `npm run audit:verify`.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Download } from 'playwright-core';
import { projectRoot } from '../../config/index.ts';
import { tag } from './api.ts';
import { testEnv } from './env.ts';

const run = promisify(execFile);

/** A browser download's bytes (the browser may run remotely: no local path). */
export async function downloadedBytes(download: Download): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await download.createReadStream()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A zip's files as text, read by Python's zipfile (the project has no unzip library). */
export async function unzipTexts(zip: Buffer): Promise<Record<string, string>> {
  const file = path.join(testEnv.workDir, `export-${tag()}.zip`);
  fs.writeFileSync(file, zip);
  const { stdout } = await run('python3', ['-c', 'import zipfile,sys,json; z=zipfile.ZipFile(sys.argv[1]); print(json.dumps({n: z.read(n).decode() for n in z.namelist()}))', file]);
  return JSON.parse(stdout) as Record<string, string>;
}

/** `npm run audit:verify` on an export, as an auditor runs it: its exit code and what it printed. */
export async function auditVerify(csv: string | Buffer): Promise<{ code: number; out: string }> {
  const file = path.join(testEnv.workDir, `audit-${tag()}.csv`);
  fs.writeFileSync(file, csv);
  try {
    const { stdout } = await run(process.execPath, [path.join(projectRoot, 'scripts', 'audit-verify.ts'), file]);
    return { code: 0, out: stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}
