// Wi-Fi authentication as access points drive it: Access-Request → Access-Accept (PAP) from
// radclient at a steady rate, against FreeRADIUS reading members from PostgreSQL (the `radius`
// views), beside the same FreeRADIUS answering from a static users file: the floor, same run.
// radclient (-n rate) says whether every request is accepted at that rate; its trace cannot time
// them (it reads answers between its paced sends, so every latency rounds up to 1/rate), so the
// latencies come from an open-loop client on the `radius` package at the same rate.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { createCompanyAtSite } from '../domain/companies/create-company.ts';
import { migrate, openOrm } from '../db/orm.ts';
import { ntPassword } from '../providers/wifi.ts';
import { startEmbeddedPostgres } from '../services/embedded-postgres.ts';
import { findFreeradius, startFreeradius, type Freeradius } from '../services/freeradius.ts';
import { freePort, freeUdpPortPair } from '../scripts/lib/ports.ts';
import radius from 'radius';
import { paced, percentile, round, type ScenarioOutcome } from './lib.ts';

const GOAL_P99_MS = 50;
const SECRET = 'bench-radius-shared-secret';

interface Run { sent: number; accepted: number; latencies: number[]; seconds: number }

/** radclient at `rate` requests/s, up to 64 in flight, one request per member, `rounds` times over. */
async function radclient(server: Freeradius, file: string, rate: number, rounds: number): Promise<Run> {
  const started = performance.now();
  const child = spawn('stdbuf', ['-oL', 'radclient', '-x', '-n', String(rate), '-p', '64', '-c', String(rounds), '-t', '2', '-r', '1', '-f', file, `127.0.0.1:${server.authPort}`, 'auth', SECRET], { stdio: ['ignore', 'pipe', 'inherit'] });
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  let sent = 0;
  let accepted = 0;
  const lines = readline.createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    const now = performance.now();
    const out = /^Sent Access-Request Id (\d+)/.exec(line);
    if (out) {
      sent++;
      sentAt.set(Number(out[1]), now);
      return;
    }
    const back = /^Received Access-(Accept|Reject) Id (\d+)/.exec(line);
    if (back) {
      const at = sentAt.get(Number(back[2]));
      if (back[1] === 'Accept') accepted++;
      if (at !== undefined) latencies.push(now - at);
      sentAt.delete(Number(back[2]));
    }
  });
  await new Promise((resolve) => child.once('close', resolve));
  return { sent, accepted, latencies, seconds: (performance.now() - started) / 1000 };
}

/**
 * PAP Access-Requests at `rate`/s, each timed from its scheduled send to its verified answer.
 * Without a Message-Authenticator, as radclient sends them: the package would then demand one in
 * the answer, which FreeRADIUS 3.2.1 does not add to a PAP Access-Accept.
 */
async function timedRequests(server: Freeradius, users: { username: string; password: string }[], rate: number, count: number): Promise<{ latencies: number[]; accepted: number }> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  const waiting = new Map<number, { packet: Buffer; resolve: (accepted: boolean) => void }>();
  socket.on('message', (message) => {
    const id = message[1]!;
    const pending = waiting.get(id);
    if (!pending || !radius.verify_response({ response: message, request: pending.packet, secret: SECRET })) return;
    waiting.delete(id);
    pending.resolve(message[0] === 2);
  });
  try {
    const { latencies, results } = await paced(count, rate, (i) => {
      const user = users[i % users.length]!;
      const packet = radius.encode({ code: 'Access-Request', secret: SECRET, identifier: i % 256, attributes: [['User-Name', user.username], ['User-Password', user.password], ['NAS-IP-Address', '127.0.0.1']], add_message_authenticator: false });
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => { waiting.delete(i % 256); resolve(false); }, 5000);
        waiting.set(i % 256, { packet, resolve: (ok) => { clearTimeout(timer); resolve(ok); } });
        socket.send(packet, server.authPort, '127.0.0.1');
      });
    });
    return { latencies, accepted: results.filter(Boolean).length };
  } finally {
    socket.close();
  }
}

export async function radiusAuth(workDir: string, options: { members: number; rate: number; rounds: number }, say: (line: string) => void): Promise<ScenarioOutcome> {
  const binary = findFreeradius(process.env.FREERADIUS_PATH || undefined);
  if (!binary) throw new Error('FreeRADIUS is not installed (apt-get install freeradius freeradius-postgresql freeradius-utils)');
  fs.mkdirSync(workDir, { recursive: true });
  fs.chmodSync(workDir, 0o755);
  const db = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres({ dataDir: path.join(workDir, 'postgres'), port: await freePort(), persistent: false });
  const databaseUrl = process.env.DATABASE_URL || db!.url;
  const orm = await openOrm(databaseUrl, { poolMax: 4 });
  const stops: (() => Promise<unknown>)[] = [async () => db?.stop(), () => orm.close()];
  try {
    await migrate(orm);
    const em = orm.em.fork();
    const company = await createCompanyAtSite(em, { name: `Bench Wi-Fi ${randomBytes(3).toString('hex')}`, adminEmail: `admin-${randomBytes(3).toString('hex')}@bench.test`, siteName: `Bench site ${randomBytes(3).toString('hex')}`, actor: 'bench' });
    await em.execute('update company_site set wifi_vlan = 120 where organization_id = ?', [company.companyId]);
    await em.execute(`insert into radius_client (id, site_id, name, address, secret, coa_port, created_at, created_by) values (gen_random_uuid(), ?, 'radclient', '127.0.0.1', ?, 3799, now(), 'bench') on conflict (address) do update set secret = excluded.secret, site_id = excluded.site_id`, [company.siteId, SECRET]);
    // Members straight into the tables (their lifecycles are not what is measured here).
    const users: { username: string; password: string; nt: string }[] = [];
    for (let i = 0; i < options.members; i++) {
      const password = randomBytes(12).toString('base64url');
      users.push({ username: `bench-${randomBytes(4).toString('hex')}-${i}`, password, nt: await ntPassword(password) });
    }
    for (const u of users) {
      const [m] = await em.execute<{ id: string }[]>(
        `insert into member (id, organization_id, site_id, email, name, role, locale, status, created_at, updated_at) values (gen_random_uuid(), ?, ?, ?, 'Bench', 'user', 'en', 'active', now(), now()) returning id`,
        [company.companyId, company.siteId, `${u.username}@bench.test`],
      );
      await em.execute(`insert into wifi_credential (id, member_id, site_id, username, password_ciphertext, nt_password, created_at) values (gen_random_uuid(), ?, ?, ?, 'bench', ?, now())`, [m!.id, company.siteId, u.username, u.nt]);
    }
    const requests = path.join(workDir, 'requests.txt');
    fs.writeFileSync(requests, users.map((u) => `User-Name = "${u.username}"\nUser-Password = "${u.password}"\nNAS-IP-Address = 127.0.0.1\n`).join('\n'));

    const common = { binary: binary.path, databaseUrl, listenAddress: '127.0.0.1', clientNetwork: '127.0.0.0/8', clientLifetime: 3600 };
    const authPort = await freeUdpPortPair();
    const fromDatabase = await startFreeradius({ ...common, dir: path.join(workDir, 'radius-db'), authPort, acctPort: authPort + 1 });
    stops.push(() => fromDatabase.stop());
    // The floor: the same server and configuration, members from a users file (NT-Password, the
    // same check), one static client — no database on the way.
    const floorPort = await freeUdpPortPair();
    const floor = await startFreeradius({
      ...common, dir: path.join(workDir, 'radius-files'), authPort: floorPort, acctPort: floorPort + 1,
      adjust: (raddb) => {
        const site = path.join(raddb, 'sites-available', 'default');
        fs.writeFileSync(site, fs.readFileSync(site, 'utf8').replace(/^\taccounting \{\n\t\tsql\n\t\}/m, '\taccounting {\n\t\tok\n\t}').replace(/^\t\tsql$/gm, '\t\tfiles'));
        fs.rmSync(path.join(raddb, 'sites-enabled', 'dynamic-clients'));
        fs.writeFileSync(path.join(raddb, 'clients.conf'), `client bench {\n\tipaddr = 127.0.0.1\n\tsecret = ${SECRET}\n}\n`);
        fs.writeFileSync(path.join(raddb, 'mods-config', 'files', 'authorize'), users.map((u) => `${u.username} NT-Password := "${u.nt}"\n\tTunnel-Type := VLAN, Tunnel-Medium-Type := IEEE-802, Tunnel-Private-Group-Id := "120"\n`).join('\n'));
      },
    });
    stops.push(() => floor.stop());

    // A warm-up round each (pools, the learned client), then the measured runs.
    await radclient(fromDatabase, requests, options.rate, 1);
    await radclient(floor, requests, options.rate, 1);
    say(`radius: ${options.members * options.rounds} Access-Requests at ${options.rate}/s to each server …`);
    const count = options.members * options.rounds;
    const fromDb = await radclient(fromDatabase, requests, options.rate, options.rounds);
    const files = await radclient(floor, requests, options.rate, options.rounds);
    const timedDb = await timedRequests(fromDatabase, users, options.rate, count);
    const timedFiles = await timedRequests(floor, users, options.rate, count);
    const summary = (r: Run, timed: { latencies: number[]; accepted: number }) => ({
      radclient: { sent: r.sent, accepted: r.accepted, per_second: round(r.sent / r.seconds, 1), trace_p50_ms: round(percentile(r.latencies, 50)) },
      timed: { sent: count, accepted: timed.accepted, p50_ms: round(percentile(timed.latencies, 50)), p99_ms: round(percentile(timed.latencies, 99)) },
    });
    const json = { rate: options.rate, requests: count, members: options.members, database: summary(fromDb, timedDb), users_file: summary(files, timedFiles) };
    return {
      json,
      rows: [
        { name: `radclient -n ${options.rate}: accepted, database`, value: fromDb.accepted, unit: `of ${fromDb.sent}`, goal: { min: count, text: 'every one' } },
        { name: `radclient -n ${options.rate}: accepted, users file floor`, value: files.accepted, unit: `of ${files.sent}` },
        { name: `Access-Accept p50 at ${options.rate}/s, database`, value: json.database.timed.p50_ms, unit: 'ms' },
        { name: `Access-Accept p99 at ${options.rate}/s, database`, value: json.database.timed.p99_ms, unit: 'ms', goal: { max: GOAL_P99_MS } },
        { name: `Access-Accept p50 at ${options.rate}/s, users file floor`, value: json.users_file.timed.p50_ms, unit: 'ms' },
        { name: `Access-Accept p99 at ${options.rate}/s, users file floor`, value: json.users_file.timed.p99_ms, unit: 'ms' },
      ],
    };
  } finally {
    while (stops.length) await stops.pop()!().catch(() => {});
  }
}
