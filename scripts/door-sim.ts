// Plays a door controller against a running API, signing its requests as real firmware must.
//
//   npm run door-sim -- --door <id> --secret <secret> --pin '*1234' --card C0001   enrollment at the door
//   npm run door-sim -- ... --split          PIN and card as two events (OSDP/Wiegand readers)
//   npm run door-sim -- --door <id> --secret <secret> --card C0001 [--at 2027-01-04T07:30:00+01:00]
//                                            a card presented: decided from the door's own list
//                                            (offline, the server's rule), then uploaded as an entry event
//   npm run door-sim -- --door <id> --secret <secret> --visitor-pin '#582013'
//                                            a visitor's PIN, decided by the server (and used up)
//   npm run door-sim -- ... --visitor-pin '#582013' --offline [--at <time>]
//                                            the same decided from the door's list (hashed PINs),
//                                            then uploaded: the upload uses the PIN up
//   npm run door-sim -- ... --access-list    print this door's access list instead
//
// --door (or --controller) and --secret default to DOOR_CONTROLLER_ID/DOOR_CONTROLLER_SECRET; --url
// to PUBLIC_URL or http://127.0.0.1:3000. Prints one JSON line per answer; exits 0 on "enrolled",
// "granted" (or a list), 1 on "rejected" or "denied", 2 on a refused request.
import { parseArgs } from 'node:util';
import { CommandError, loadConfigOrExit, runMain } from '../lib/cli.ts';
import { entryEventOf, fetchAccessList, presentCard, presentVisitorPin, signedFetch, uploadEvents, type DoorIdentity } from './lib/door-client.ts';
import { cliApiUrl } from './lib/services.ts';

const usage =
  "usage: npm run door-sim -- --door <id> --secret <secret> (--card <number> [--at <time>] | --pin '*1234' --card <number> [--split] | --visitor-pin '#123456' [--offline] [--at <time>] | --access-list) [--url <API>] (the API of this folder's npm start by default)";

runMain(async () => {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: 'string' },
        door: { type: 'string' },
        controller: { type: 'string' },
        secret: { type: 'string' },
        pin: { type: 'string' },
        card: { type: 'string' },
        at: { type: 'string' },
        split: { type: 'boolean', default: false },
        'visitor-pin': { type: 'string' },
        offline: { type: 'boolean', default: false },
        'access-list': { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    throw new CommandError(`${(error as Error).message}\n${usage}`);
  }
  const url = String(values.url ?? cliApiUrl(loadConfigOrExit())).replace(/\/$/, '');
  const controller = String(values.door ?? values.controller ?? process.env.DOOR_CONTROLLER_ID ?? '');
  const secret = String(values.secret ?? process.env.DOOR_CONTROLLER_SECRET ?? '');
  if (!controller || !secret) throw new CommandError(`--door and --secret are required (the answer of POST /v1/sites/{id}/door-controllers)\n${usage}`);
  const door: DoorIdentity = { url, controller, secret };
  const at = values.at === undefined ? new Date() : new Date(String(values.at));
  if (Number.isNaN(at.getTime())) throw new CommandError(`--at must be a time, e.g. 2027-01-04T07:30:00+01:00\n${usage}`);

  const answered = async (response: Response) => {
    const answer = (await response.json()) as Record<string, unknown>;
    process.stdout.write(`${JSON.stringify(answer)}\n`);
    if (!response.ok) process.exit(2);
    return answer;
  };
  const call = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw new CommandError(`no answer from ${url} (${(error as Error).cause ?? (error as Error).message}): is npm start running? (--url)`);
    }
  };

  if (values['access-list']) {
    await answered(await call(() => signedFetch(door, 'GET', `/v1/door-controllers/${controller}/access-list`)));
    return;
  }
  if (values['visitor-pin'] !== undefined) {
    const typed = String(values['visitor-pin']);
    let opened: boolean;
    if (values.offline) {
      const fetched = await call(() => fetchAccessList(door));
      if (!fetched.list) throw new CommandError(`the access list was refused (${fetched.status}): check --door and --secret`);
      const { decision, visitId } = await presentVisitorPin(fetched.list, typed, at);
      opened = decision.granted;
      process.stdout.write(`${JSON.stringify({ decision: decision.granted ? 'opened' : 'rejected', reason: decision.granted ? null : decision.reason, visitId, at: at.toISOString(), listVersion: fetched.list.version })}\n`);
      // An unknown PIN names no visit: there is nothing to upload.
      if (visitId) await answered(await call(() => uploadEvents(door, [entryEventOf({ visitId }, at, decision)])));
    } else {
      const answer = await answered(await call(() => signedFetch(door, 'POST', '/v1/door-events', { type: 'visitor_pin', pin: typed, occurredAt: new Date().toISOString() })));
      opened = answer.decision === 'opened';
    }
    process.stderr.write(opened ? 'click: door open\n' : 'buzz: this code opens nothing here now\n');
    process.exit(opened ? 0 : 1);
  }
  const pin = values.pin === undefined ? undefined : String(values.pin);
  const card = String(values.card ?? '');
  if (!card) throw new CommandError(`--card is required\n${usage}`);
  if (pin === undefined) {
    // A card presented: the door decides from its own list, as it would offline.
    const fetched = await call(() => fetchAccessList(door));
    if (!fetched.list) throw new CommandError(`the access list was refused (${fetched.status}): check --door and --secret`);
    const decision = presentCard(fetched.list, card, at);
    const event = entryEventOf({ cardNumber: card }, at, decision);
    process.stdout.write(`${JSON.stringify({ decision: event.type, reason: decision.granted ? null : decision.reason, cardNumber: card, at: event.at, listVersion: fetched.list.version })}\n`);
    await answered(await call(() => uploadEvents(door, [event])));
    process.stderr.write(decision.granted ? 'click: door open\n' : `buzz: ${decision.reason}\n`);
    process.exit(decision.granted ? 0 : 1);
  }
  const event = (body: Record<string, unknown>) => call(() => signedFetch(door, 'POST', '/v1/door-events', { ...body, occurredAt: new Date().toISOString() }));
  let answer: Record<string, unknown>;
  if (values.split) {
    await answered(await event({ type: 'pin_entered', pin }));
    answer = await answered(await event({ type: 'card_presented', cardNumber: card }));
  } else {
    answer = await answered(await event({ type: 'pin_entered', pin, cardNumber: card }));
  }
  process.stderr.write(answer.decision === 'enrolled' ? 'beep: card enrolled\n' : `buzz: ${String(answer.reason)}\n`);
  process.exit(answer.decision === 'enrolled' ? 0 : 1);
}, usage);
