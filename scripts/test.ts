// `npm test`: starts the shared real services once (PostgreSQL on a free port, a Temporal dev
// server, one workflow bundle, a headless Chromium for the page tests), runs ava with their addresses in the environment, stops them, and
// ends with the line `N passed, N failed`. Extra arguments go to ava (e.g. a test file).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { bundleWorkflowCode } from '@temporalio/worker';
import { chromium } from 'playwright-core';
import { projectRoot } from '../config/index.ts';
import { startEmbeddedPostgres } from '../services/embedded-postgres.ts';
import { startMailCatcher } from '../services/mail-catcher.ts';
import { findTemporalCli, findTestServer, startTemporalServer } from '../services/temporal-server.ts';
import { findTemporalServer, TEMPORAL_SERVER_VERSION } from '../services/temporal-cluster.ts';
import { DOOR_AGENT, pythonTool, SCIM2_CLI } from '../services/python-tools.ts';
import { workflowsPath } from '../worker/create-worker.ts';
import { failureConverterPath } from '../services/payload-codec.ts';
import { freePort } from './lib/ports.ts';

const started = performance.now();
const say = (line: string) => process.stdout.write(`# ${line}\n`);
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'onboarding-test-'));
// As root, embedded PostgreSQL runs as a separate `postgres` user, which must reach its data dir.
fs.chmodSync(workDir, 0o755);
const stops: (() => Promise<void>)[] = [];
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// No sandbox: CI runs as root in a container, where Chromium's sandbox cannot start.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function stopAll() {
  while (stops.length) await stops.pop()!().catch((e: unknown) => console.error('teardown:', e));
  fs.rmSync(workDir, { recursive: true, force: true });
}

let exitCode = 1;
let passed = 0;
let failed = 0;
try {
  const [pgPort, temporalPort] = await Promise.all([freePort(), freePort()]);
  const cli = findTemporalCli(process.env.TEMPORAL_CLI_PATH || undefined, say);
  const testServer = findTestServer(process.env.TEMPORAL_TEST_SERVER_PATH || undefined, say);

  // Each service registers its own stop as soon as it is up, so a failure of another one
  // half-way still leaves nothing running behind.
  const settled = await Promise.allSettled([
    startEmbeddedPostgres({ dataDir: path.join(workDir, 'postgres'), port: pgPort, persistent: false }).then((db) => {
      stops.push(() => db.stop());
      return db;
    }),
    startTemporalServer({
      cliPath: cli?.path,
      port: temporalPort,
      headless: true,
      namespace: 'default',
      logFile: path.join(workDir, 'temporal.log'),
      onProgress: say,
    }).then((server) => {
      stops.push(() => server.stop());
      return server;
    }),
    startMailCatcher({ dir: path.join(workDir, 'mail'), port: 0 }).then((catcher) => {
      stops.push(() => catcher.stop());
      return catcher;
    }),
    // Debian's Chromium (never a downloaded one); the page tests connect to this one browser.
    fs.existsSync(chromiumPath)
      ? chromium
          .launchServer({ executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS })
          .then((browser) => {
            stops.push(() => browser.close());
            return browser;
          })
      : Promise.resolve(undefined),
    bundleWorkflowCode({ workflowsPath, failureConverterPath, logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error } }),
    // The SCIM validator (scim2-tester, through scim2-cli), from PyPI on first use.
    pythonTool(SCIM2_CLI, say).catch((error: Error) => {
      say(`scim2-tester unavailable: ${error.message} (the SCIM validator test will fail)`);
      return '';
    }),
    // The door agent's Python (libosdp, pyserial), from PyPI on first use.
    pythonTool(DOOR_AGENT, say).catch((error: Error) => {
      say(`the door agent's packages are unavailable: ${error.message} (the door agent tests will fail)`);
      return '';
    }),
  ]);
  const failure = settled.find((r) => r.status === 'rejected');
  if (failure) throw failure.reason;
  const [db, temporal, catcher, browser, bundle, scim2, agentPython] = settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
    Awaited<ReturnType<typeof startEmbeddedPostgres>>,
    Awaited<ReturnType<typeof startTemporalServer>>,
    Awaited<ReturnType<typeof startMailCatcher>>,
    Awaited<ReturnType<typeof chromium.launchServer>> | undefined,
    Awaited<ReturnType<typeof bundleWorkflowCode>>,
    string,
    string,
  ];
  if (!browser) say(`no Chromium at ${chromiumPath}: the page tests will fail (apt-get install chromium, or set CHROMIUM_PATH)`);
  const bundlePath = path.join(workDir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);
  say(`services up in ${Math.round(performance.now() - started)} ms: PostgreSQL ${db.port}, Temporal ${temporal.address} (${cli?.source ?? temporal.source}), SMTP ${catcher.smtpUrl}, Chromium ${browser ? chromiumPath : 'missing'}, time-skipping server: ${testServer?.source ?? 'SDK download'}`);

  // The cluster drills need the production Temporal server, a build of ~18 minutes: they run when it
  // is already built (cached, or TEMPORAL_SERVER_PATH), and the run says so when it is not.
  const clusterServer = findTemporalServer();
  const avaArgs = process.argv.slice(2);
  const clusterTests = 'test/cluster.test.ts';
  if (clusterServer) say(`cluster drills on the Temporal server ${clusterServer.server} (${clusterServer.source})`);
  else if (!avaArgs.some((a) => !a.startsWith('-'))) {
    say(`cluster drills NOT run: the Temporal server v${TEMPORAL_SERVER_VERSION} is not built here (npm run cluster -- --build builds it into the cache, ~18 min on 2 cores; or set TEMPORAL_SERVER_PATH)`);
    const files = fs.readdirSync(path.join(projectRoot, 'test'), { recursive: true, encoding: 'utf8' }).map((f) => `test/${f}`).filter((f) => f.endsWith('.test.ts') && f !== clusterTests).sort();
    avaArgs.unshift(...files);
  }

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEST_TEMPORAL_SERVER: clusterServer?.server ?? '',
    TEST_TEMPORAL_SQL_TOOL: clusterServer?.sqlTool ?? '',
    NODE_ENV: 'test',
    TEST_POSTGRES_URL: db.url,
    TEST_TEMPORAL_ADDRESS: temporal.address,
    TEST_WORKFLOW_BUNDLE: bundlePath,
    TEST_TEMPORAL_CLI: cli?.path ?? '',
    TEST_TIME_SKIPPING_SERVER: testServer?.path ?? '',
    TEST_SMTP_URL: catcher.smtpUrl,
    TEST_MAIL_DIR: path.join(workDir, 'mail'),
    TEST_WORK_DIR: workDir,
    TEST_BROWSER_WS: browser?.wsEndpoint() ?? '',
    TEST_SCIM2_CLI: scim2,
    TEST_DOOR_AGENT_PYTHON: agentPython,
  };
  // Tests choose their own services; a developer's shell settings must not leak into them.
  for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_PROFILE', 'TEMPORAL_CONFIG_FILE', 'SMTP_URL', 'SECRET_KEY']) delete env[name];

  const ava = spawn(process.execPath, [path.join(projectRoot, 'node_modules', 'ava', 'entrypoints', 'cli.mjs'), '--tap', ...avaArgs], {
    cwd: projectRoot,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: ava.stdout });
  lines.on('line', (line) => {
    process.stdout.write(`${line}\n`);
    if (/^ok \d+/.test(line)) passed++;
    else if (/^not ok \d+/.test(line)) failed++;
  });
  exitCode = await new Promise<number>((resolve) => ava.once('close', (code) => resolve(code ?? 1)));
} catch (error) {
  console.error('Could not start the test services:', error);
} finally {
  await stopAll();
}
say(`finished in ${Math.round((performance.now() - started) / 1000)} s`);
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(exitCode === 0 && failed === 0 && passed > 0 ? 0 : 1);
