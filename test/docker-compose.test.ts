import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import YAML from 'yaml';
import { loadConfig, projectRoot } from '../config/index.ts';
import { TEMPORAL_SERVER_VERSION, temporalConfigFile, temporalServerEnv } from '../services/temporal-cluster.ts';

const composeFile = path.join(projectRoot, 'docker-compose.yml');
const hasDockerCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;

interface Service {
  build?: string;
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
}

// Validated, not run: there is no Docker engine on CI. `.ci/run` installs docker-compose (v1) so
// the real parser checks the file; without it the YAML checks below still run.
test('docker-compose.yml passes `docker-compose config` when the command exists', (t) => {
  if (!hasDockerCompose) {
    t.log('docker-compose not installed: structure checked by the next test only');
    t.true(fs.existsSync(composeFile));
    return;
  }
  const env = { ...process.env, SECRET_KEY: 'a-secret-key-of-at-least-32-characters!!' };
  const withoutKey = { ...process.env };
  delete withoutKey.SECRET_KEY;
  const refused = spawnSync('docker-compose', ['-f', composeFile, 'config', '-q'], { encoding: 'utf8', env: withoutKey });
  t.not(refused.status, 0, 'no default SECRET_KEY: running without one is refused');
  t.regex(refused.stderr, /SECRET_KEY/);
  const result = spawnSync('docker-compose', ['-f', composeFile, 'config', '-q'], { encoding: 'utf8', env });
  t.is(result.status, 0, result.stderr);
  const services = spawnSync('docker-compose', ['-f', composeFile, 'config', '--services'], { encoding: 'utf8', env }).stdout.split('\n');
  for (const name of ['postgresql', 'temporal-schema', 'temporal', 'temporal-ui', 'mailpit', 'migrate', 'temporal-setup', 'worker', 'api', 'freeradius']) {
    t.true(services.includes(name), `service ${name}`);
  }
});

test('every app service runs a file that exists, with an environment the config module accepts', (t) => {
  const compose = YAML.parse(fs.readFileSync(composeFile, 'utf8'), { merge: true }) as { services: Record<string, Service> };
  const appServices = Object.entries(compose.services).filter(([, s]) => s.build);
  t.deepEqual(appServices.map(([name]) => name).sort(), ['api', 'migrate', 'temporal-setup', 'worker']);
  for (const [name, service] of appServices) {
    const [node, script] = service.command ?? [];
    t.is(node, 'node', name);
    t.true(fs.existsSync(path.join(projectRoot, script!)), `${name} runs ${script}`);
    const config = loadConfig(service.environment ?? {});
    t.false(config.database.embedded, `${name} uses the compose PostgreSQL`);
    t.true(config.temporal.external, `${name} uses the compose Temporal`);
    t.true(config.production, `${name} runs in production mode`);
  }
  t.true(fs.existsSync(path.join(projectRoot, 'Dockerfile')));
});

test('the FreeRADIUS service mounts the files npm start uses, and sets every variable they read', (t) => {
  const compose = YAML.parse(fs.readFileSync(composeFile, 'utf8'), { merge: true }) as { services: Record<string, Service & { volumes?: string[] }> };
  const radius = compose.services.freeradius!;
  const mounted = (radius.volumes ?? []).map((v) => v.split(':')[0]!.replace(/^\.\//, ''));
  for (const file of mounted) t.true(fs.existsSync(path.join(projectRoot, file)), `${file} exists`);
  const overlay = fs.readdirSync(path.join(projectRoot, 'radius', 'raddb'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(projectRoot, path.join(e.parentPath, e.name)));
  t.deepEqual([...mounted].sort(), [...overlay].sort(), 'every overlay file is mounted');
  const read = new Set(overlay.flatMap((file) => [...fs.readFileSync(path.join(projectRoot, file), 'utf8').matchAll(/\$ENV\{(\w+)\}/g)].map((m) => m[1]!)));
  t.deepEqual([...read].sort(), Object.keys(radius.environment ?? {}).sort());
});

/** The variables temporal/config.yaml reads, and those it has no default for. */
function configVariables() {
  const text = fs.readFileSync(temporalConfigFile, 'utf8');
  const read = new Set([...text.matchAll(/env "(\w+)"/g)].map((m) => m[1]!));
  const defaulted = new Set([...text.matchAll(/default "[^"]*" \(env "(\w+)"\)|default \$\w+ \(env "(\w+)"\)|with env "(\w+)"/g)].map((m) => m[1] ?? m[2] ?? m[3]!));
  return { read, required: [...read].filter((name) => !defaulted.has(name)) };
}

test('docker-compose runs the Temporal server version, configuration and schema steps npm run cluster runs', (t) => {
  const compose = YAML.parse(fs.readFileSync(composeFile, 'utf8'), { merge: true }) as { services: Record<string, Service & { volumes?: string[] }> };
  const server = compose.services.temporal!;
  const schema = compose.services['temporal-schema']!;
  t.is(server.image, `temporalio/server:${TEMPORAL_SERVER_VERSION}`);
  t.is(schema.image, `temporalio/admin-tools:${TEMPORAL_SERVER_VERSION}`, 'the sql tool of the same version carries the same schema');
  // Both mount the project's temporal/ folder, where npm run cluster reads the same files.
  for (const service of [server, schema]) t.deepEqual(service.volumes, ['./temporal:/etc/onboarding-temporal:ro']);
  t.deepEqual(schema.command, ['sh', '/etc/onboarding-temporal/setup-schema.sh']);
  t.is(server.environment?.TEMPORAL_SERVER_CONFIG_FILE_PATH, '/etc/onboarding-temporal/config.yaml');
  t.is(server.environment?.DYNAMIC_CONFIG_FILE_PATH, '/etc/onboarding-temporal/dynamicconfig.yaml');
  for (const file of ['config.yaml', 'dynamicconfig.yaml', 'setup-schema.sh']) t.true(fs.existsSync(path.join(projectRoot, 'temporal', file)), file);

  const { read, required } = configVariables();
  t.deepEqual(required.sort(), ['POSTGRES_PWD', 'POSTGRES_USER']);
  const serverOwn = ['TEMPORAL_SERVER_CONFIG_FILE_PATH', 'TEMPORAL_ALLOW_NO_AUTH'];
  const composeVariables = Object.keys(server.environment ?? {}).filter((name) => !serverOwn.includes(name));
  t.deepEqual(composeVariables.filter((name) => !read.has(name)), [], 'docker-compose sets only variables the config reads');
  for (const name of [...required, 'POSTGRES_SEEDS']) t.truthy(server.environment?.[name], `docker-compose sets ${name}`);
  const clusterVariables = Object.keys(temporalServerEnv({ host: 'h', port: 1, user: 'u', password: 'p' }, { frontend: 1, frontendHttp: 2, frontendMembership: 3, history: 4, historyMembership: 5, matching: 6, matchingMembership: 7, worker: 8, workerMembership: 9 }));
  t.deepEqual(clusterVariables.filter((name) => !read.has(name)), [], 'npm run cluster sets only variables the config reads');
  // The schema script's database credentials are the sql tool's own variables, set the same way.
  t.deepEqual(Object.keys(schema.environment ?? {}).sort(), ['SQL_HOST', 'SQL_PASSWORD', 'SQL_PORT', 'SQL_USER']);
});

test('docker-compose publishes only the API and RADIUS; Temporal stays on its network; the UI and mail on loopback; the API trusts no proxy it does not have', (t) => {
  const compose = YAML.parse(fs.readFileSync(composeFile, 'utf8')) as { services: Record<string, { ports?: string[]; environment?: Record<string, string> }> };
  const published = Object.fromEntries(Object.entries(compose.services).filter(([, s]) => s.ports?.length).map(([name, s]) => [name, s.ports]));
  t.deepEqual(published, {
    'temporal-ui': ['127.0.0.1:8233:8080'],
    mailpit: ['127.0.0.1:8025:8025'],
    api: ['3000:3000'],
    freeradius: ['1812-1813:1812-1813/udp'],
  });
  t.is(compose.services.temporal!.ports, undefined, 'whoever reaches 7233 reads PINs and sends updates past the API');
  // Published straight to clients: X-Forwarded-For is the client's own writing, never trusted.
  t.is(compose.services.api!.environment!.TRUST_PROXY_HOPS, '0');
});
