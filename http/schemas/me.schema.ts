import { z } from 'zod';
import { Lifecycle, Uuid } from './common.schema.ts';
import { Member } from './members.schema.ts';

export const Me = Member.extend({
  company: z.object({ id: Uuid, name: z.string() }).meta({ description: 'The company the member belongs to' }),
  organization: z.object({ id: Uuid, name: z.string() }).meta({ deprecated: true, description: 'Deprecated: the same as `company`, kept for one more version' }),
  site: z.object({ id: Uuid, name: z.string() }).nullable(),
}).meta({ id: 'Me' });

export const CardEnrollment = z
  .object({
    status: Lifecycle.shape.status,
    stage: Lifecycle.shape.card.shape.stage,
    pin: z.string().nullable().meta({ description: 'Type it at the door controller, then present the card (after step 1)' }),
    cardNumber: z.string().nullable(),
    method: Lifecycle.shape.card.shape.method,
    nextReminderAt: z.string().nullable(),
    overdue: z.boolean(),
  })
  .meta({ id: 'CardEnrollment' });

export const ConfirmCardResponse = z.object({ pin: z.string().meta({ example: '*4821' }) }).meta({ id: 'ConfirmCard' });

export const CloseWizardBody = z
  .strictObject({
    step: z.union([z.literal(1), z.literal(2)]).meta({ description: 'The step the wizard was closed at' }),
    closeId: z.uuid().optional().meta({ description: 'Sent again on a retry, the same close e-mails once' }),
  })
  .meta({ id: 'CloseWizard' });

export const CloseWizardAccepted = z.object({ status: z.literal('accepted') });

export const ScanQrBody = z.strictObject({ payload: z.string().trim().min(1).max(2048).meta({ description: 'What the phone read from the card\'s QR code' }) }).meta({ id: 'ScanQr' });

export const MeWifi = z
  .object({
    ssid: z.string().nullable().meta({ description: 'The network to join (null when the site has not named one)' }),
    username: z.string(),
    password: z.string(),
    activeFrom: z.iso.date().nullable().meta({ description: 'For a member known ahead: the first day, from which RADIUS accepts them (null: now)' }),
  })
  .meta({ id: 'MeWifi', description: 'WPA2/WPA3-Enterprise credentials: PEAP with MSCHAPv2, or TTLS with PAP' });
