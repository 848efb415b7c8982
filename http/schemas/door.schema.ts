import { z } from 'zod';
import { Uuid } from './common.schema.ts';
import { AgentReader } from './sites.schema.ts';
import { VISITOR_PIN_PATTERN } from '../../domain/visits/visitor-pin.ts';

const Pin = z.string().regex(/^\*?\d{4}$/, 'a PIN is * followed by 4 digits').meta({ example: '*4821' });
const CardNumber = z.string().trim().min(1).max(64);
const OccurredAt = z.iso.datetime({ offset: true }).optional().meta({ description: 'When the controller saw it (informative)' });

export const DoorEventBody = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('pin_entered'), pin: Pin, cardNumber: CardNumber.optional().meta({ description: 'Omitted by readers that report the card as its own event' }), occurredAt: OccurredAt }),
    z.strictObject({ type: z.literal('card_presented'), cardNumber: CardNumber, occurredAt: OccurredAt }),
    z.strictObject({
      type: z.literal('visitor_pin'),
      pin: z.string().regex(VISITOR_PIN_PATTERN, 'a visitor PIN is # followed by 6 digits').meta({ example: '#582013' }),
      occurredAt: OccurredAt,
    }).meta({ description: 'A visitor typed their PIN: `opened` opens the door, once (the PIN is used up)' }),
  ])
  .meta({ id: 'DoorEvent' });

export const DoorDecision = z
  .object({
    decision: z.enum(['enrolled', 'rejected', 'awaiting_card', 'opened']).meta({ description: '`awaiting_card`: the PIN waits 30 s for a `card_presented` from this controller; `opened`: a visitor\'s PIN opens the door now (and is used up)' }),
    reason: z
      .enum(['unknown_pin', 'no_pin_entered'])
      .nullable()
      .meta({
        description:
          '`unknown_pin`: this PIN and this card make no pending enrollment at this site, or this visitor PIN opens nothing here now — a wrong PIN and a right PIN with a card that cannot be used answer alike, so the door never tells which PINs are pending (the audit trail keeps the real reason); `no_pin_entered`: a card came with no PIN typed in the last 30 s',
      }),
    cardNumber: z.string().nullable(),
    access: z
      .enum(['granted', 'pending_password', 'pending_start'])
      .nullable()
      .meta({ description: 'With `enrolled`: `granted` when the card opens the door from now on, `pending_password` until the member creates their password, `pending_start` until 00:00 on their start date' }),
  })
  .meta({ id: 'DoorDecision' });
export { VISITOR_PIN_PATTERN };

export const AccessListParams = z.object({ id: Uuid });

export const HeartbeatBody = z
  .strictObject({
    agentVersion: z.string().trim().min(1).max(40).regex(/^[\w.+-]+$/, 'a version: letters, digits, . + - and _'),
    listVersion: z.number().int().min(0).nullable().meta({ description: 'The version of the list it decides from; null before its first' }),
    queuedEvents: z.number().int().min(0).meta({ description: 'Entry events waiting to be uploaded' }),
    readers: z.array(AgentReader).max(32),
    occurredAt: OccurredAt,
  })
  .meta({ id: 'DoorHeartbeat' });
