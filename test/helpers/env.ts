// Addresses of the shared services `npm test` (scripts/test.ts) started for this run.
function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with \`npm test\`, which starts PostgreSQL and Temporal first`);
  return value;
}

export const testEnv = {
  get postgresUrl() { return required('TEST_POSTGRES_URL'); },
  get temporalAddress() { return required('TEST_TEMPORAL_ADDRESS'); },
  get workflowBundle() { return required('TEST_WORKFLOW_BUNDLE'); },
  get temporalCli() { return process.env.TEST_TEMPORAL_CLI || undefined; },
  get workDir() { return required('TEST_WORK_DIR'); },
  get smtpUrl() { return required('TEST_SMTP_URL'); },
  get mailDir() { return required('TEST_MAIL_DIR'); },
  get browserEndpoint() {
    required('TEST_TEMPORAL_ADDRESS');
    const endpoint = process.env.TEST_BROWSER_WS;
    if (!endpoint) throw new Error('npm test found no Chromium: apt-get install chromium (Debian), or set CHROMIUM_PATH');
    return endpoint;
  },
  /** The production Temporal server and its sql tool, when built (scripts/test.ts decides). */
  get temporalServer() {
    const server = required('TEST_WORK_DIR') && process.env.TEST_TEMPORAL_SERVER;
    if (!server) throw new Error('no production Temporal server is built: npm run cluster -- --build (or set TEMPORAL_SERVER_PATH)');
    return { server, sqlTool: required('TEST_TEMPORAL_SQL_TOOL'), source: 'npm test' };
  },
  /** scim2-cli with scim2-tester, installed from PyPI by scripts/test.ts. */
  get scim2Cli() {
    const cli = required('TEST_WORK_DIR') && process.env.TEST_SCIM2_CLI;
    if (!cli) throw new Error('scim2-cli is not installed: see the first lines of npm test (python3 -m venv and pip must work)');
    return cli;
  },
  /** Undefined: let the SDK download the Java test server (needs the internet). */
  get timeSkippingServer() { return process.env.TEST_TIME_SKIPPING_SERVER || undefined; },
};
