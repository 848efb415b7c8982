// Plays a door controller against a running API, signing its requests as real firmware must.
//
//   npm run door-sim -- --controller <id> --secret <secret> --pin '*1234' --card C0001
//   npm run door-sim -- ... --split          PIN and card as two events (OSDP/Wiegand readers)
//   npm run door-sim -- ... --access-list    print the site's access list instead
//
// --controller/--secret default to DOOR_CONTROLLER_ID/DOOR_CONTROLLER_SECRET; --url to PUBLIC_URL
// or http://127.0.0.1:3000. Prints one JSON line per answer; exits 0 on "enrolled" (or a list),
// 1 on "rejected", 2 on a refused request.
import { parseArgs } from 'node:util';
import { signDoorRequest } from '../domain/door/signatures.ts';
import { CommandError, loadConfigOrExit, runMain } from '../lib/cli.ts';
import { cliApiUrl } from './lib/services.ts';

const usage = "usage: npm run door-sim -- --controller <id> --secret <secret> (--pin '*1234' --card <number> [--split] | --access-list) [--url <API>] (the API of this folder's npm start by default)";

runMain(async () => {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: 'string' },
        controller: { type: 'string' },
        secret: { type: 'string' },
        pin: { type: 'string' },
        card: { type: 'string' },
        split: { type: 'boolean', default: false },
        'access-list': { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    throw new CommandError(`${(error as Error).message}\n${usage}`);
  }
  const url = String(values.url ?? cliApiUrl(loadConfigOrExit())).replace(/\/$/, '');
  const controller = String(values.controller ?? process.env.DOOR_CONTROLLER_ID ?? '');
  const secret = String(values.secret ?? process.env.DOOR_CONTROLLER_SECRET ?? '');
  if (!controller || !secret) throw new CommandError(`--controller and --secret are required (the answer of POST /v1/sites/{id}/door-controllers)\n${usage}`);

  const send = async (method: 'GET' | 'POST', path: string, body?: Record<string, unknown>) => {
    const raw = body ? JSON.stringify({ ...body, occurredAt: new Date().toISOString() }) : '';
    let response: Response;
    try {
      response = await fetch(url + path, {
        method,
        headers: { 'X-Door-Controller': controller, 'X-Signature': signDoorRequest(secret, raw), ...(body ? { 'Content-Type': 'application/json' } : {}) },
        ...(body ? { body: raw } : {}),
      });
    } catch (error) {
      throw new CommandError(`no answer from ${url} (${(error as Error).cause ?? (error as Error).message}): is npm start running? (--url)`);
    }
    const answer = (await response.json()) as Record<string, unknown>;
    process.stdout.write(`${JSON.stringify(answer)}\n`);
    if (!response.ok) process.exit(2);
    return answer;
  };

  if (values['access-list']) {
    await send('GET', `/v1/door-controllers/${controller}/access-list`);
    return;
  }
  const pin = String(values.pin ?? '');
  const card = String(values.card ?? '');
  if (!pin || !card) throw new CommandError(`--pin and --card are required\n${usage}`);
  let answer: Record<string, unknown>;
  if (values.split) {
    await send('POST', '/v1/door-events', { type: 'pin_entered', pin });
    answer = await send('POST', '/v1/door-events', { type: 'card_presented', cardNumber: card });
  } else {
    answer = await send('POST', '/v1/door-events', { type: 'pin_entered', pin, cardNumber: card });
  }
  process.stderr.write(answer.decision === 'enrolled' ? 'beep: card enrolled\n' : `buzz: ${String(answer.reason)}\n`);
  process.exit(answer.decision === 'enrolled' ? 0 : 1);
}, usage);
