import { SUPPLIED_QR } from '../../domain/cards/stock.ts';
import { z } from 'zod';
import { Timestamp, Uuid } from './common.schema.ts';
import { Schedule } from './access.schema.ts';

const TimeZone = z
  .string()
  .refine((tz) => tz === 'UTC' || Intl.supportedValuesOf('timeZone').includes(tz), 'must be an IANA time zone such as Europe/Paris')
  .meta({ example: 'Europe/Paris' });

export const Site = z
  .object({ id: Uuid, name: z.string(), address: z.string().nullable(), timeZone: z.string(), wifiSsid: z.string().nullable(), accessListVersion: z.number().int().meta({ description: 'Changes whenever one of its doors\' lists does' }), openingHours: Schedule.nullable().meta({ description: 'Null: always open' }), visitorInstructions: z.string().nullable().meta({ description: 'What a visitor\'s e-mail says about getting in' }), createdAt: Timestamp })
  .meta({ id: 'Site' });

export const SitesQuery = z.strictObject({
  companyId: Uuid.optional().meta({ description: 'Operator admins: only the sites granted to this company' }),
});

export const CreateSiteBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    address: z.string().trim().max(300).nullable().optional().meta({ description: 'Where the building is, as its members read it' }),
    timeZone: TimeZone.default('Europe/Paris'),
    wifiSsid: z.string().trim().min(1).max(64).nullable().optional(),
  })
  .meta({ id: 'CreateSite' });

export const UpdateSiteBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    address: z.string().trim().max(300).nullable().optional(),
    timeZone: TimeZone.optional(),
    wifiSsid: z.string().trim().min(1).max(32).nullable().optional().meta({ description: 'The Wi-Fi network (SSID) members join; null for none' }),
    visitorInstructions: z.string().trim().max(2000).nullable().optional().meta({ description: 'Arrival instructions e-mailed to visitors with their PIN (the desk, the floor); null for none' }),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one of name, address, timeZone, wifiSsid, visitorInstructions')
  .meta({ id: 'UpdateSite' });

export const SiteList = z.object({ items: z.array(Site) });

export const CreateDoorControllerBody = z.strictObject({ name: z.string().trim().min(1).max(200), zoneId: Uuid.optional().meta({ description: 'The zone of this site the door guards; the site\'s common zone when left out' }) }).meta({ id: 'CreateDoorController' });

export const AgentReader = z
  .object({ address: z.number().int().min(0).max(126).meta({ description: 'Its OSDP address on the bus' }), online: z.boolean(), secureChannel: z.boolean().meta({ description: 'The AES secure channel is up' }), tamper: z.boolean(), powerFailure: z.boolean() })
  .meta({ id: 'AgentReader' });

export const DoorController = z
  .object({
    id: Uuid,
    siteId: Uuid,
    zoneId: Uuid,
    name: z.string(),
    accessListVersion: z.number().int().meta({ description: 'Its access list\'s version (ETag)' }),
    createdAt: Timestamp,
    lastSeenAt: Timestamp.nullable(),
    health: z.enum(['never_seen', 'ok', 'silent']).meta({ description: '`silent`: nothing heard from the door for more than 2 minutes' }),
    agent: z
      .object({
        version: z.string(),
        listVersion: z.number().int().nullable().meta({ description: 'The list version it decides from (behind `accessListVersion` until its next sync)' }),
        queuedEvents: z.number().int().meta({ description: 'Entry events decided but not uploaded yet' }),
        readers: z.array(AgentReader),
        heartbeatAt: Timestamp,
      })
      .nullable()
      .meta({ description: 'The door agent\'s last heartbeat; null for a controller that never sent one (door-sim, other firmware)' }),
  })
  .meta({ id: 'DoorController' });

export const CreatedDoorController = z
  .object({
    id: Uuid,
    siteId: Uuid,
    zoneId: Uuid,
    name: z.string(),
    secret: z.string().meta({ description: 'The signing secret: shown this once, store it in the controller' }),
    createdAt: Timestamp,
  })
  .meta({ id: 'CreatedDoorController' });

export const DoorControllerList = z.object({ items: z.array(DoorController) });

const CardNumber = z.string().trim().min(1).max(64).regex(/^[\w-]+$/, 'letters, digits, - and _ only');

export const AddCardsBody = z
  .strictObject({
    cards: z
      .array(
        z.strictObject({
          number: CardNumber,
          qr: z.string().trim().regex(SUPPLIED_QR, '16 to 128 letters, digits, - or _ (so that nobody can guess it)').optional().meta({ description: 'What the printed QR code encodes (unique within the site); generated with 144 random bits when absent' }),
        }),
      )
      .min(1)
      .max(1000),
  })
  .meta({ id: 'AddCards' });

export const Card = z
  .object({
    id: Uuid,
    number: z.string(),
    qr: z.string().meta({ description: 'The QR payload to print on the card' }),
    state: z.enum(['stock', 'assigned', 'revoked']),
    memberId: Uuid.nullable(),
  })
  .meta({ id: 'Card' });

export const CardList = z.object({ items: z.array(Card) });
export const CardsQuery = z.strictObject({ state: z.enum(['stock', 'assigned', 'revoked']).optional() });

// What FreeRADIUS and the access points both accept in a shared secret (no quotes, backslash or space).
const RadiusSecret = z
  .string()
  .min(16, 'at least 16 characters')
  .max(128)
  .regex(/^[!#-&(-[\]-~]+$/, 'printable ASCII without spaces, quotes or backslashes');

export const CreateRadiusClientBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).meta({ description: 'What the operator calls it ("Ground floor AP", "UniFi controller")' }),
    address: z.string().trim().min(7).max(15).meta({ description: 'The IPv4 address its RADIUS requests come from', example: '10.20.0.2' }),
    secret: RadiusSecret.optional().meta({ description: 'The shared secret; generated (144 random bits) when absent' }),
    coaPort: z.number().int().min(1).max(65535).default(3799).meta({ description: 'Where it listens for Disconnect-Messages (RFC 5176)' }),
  })
  .meta({ id: 'CreateRadiusClient' });

const radiusClientFields = {
  id: Uuid,
  siteId: Uuid,
  name: z.string(),
  address: z.string(),
  coaPort: z.number().int(),
  createdAt: Timestamp,
};

export const RadiusClient = z.object(radiusClientFields).meta({ id: 'RadiusClient' });

export const CreatedRadiusClient = z
  .object({ ...radiusClientFields, secret: z.string().meta({ description: 'The shared secret: shown this once, enter it in the access point or controller' }) })
  .meta({ id: 'CreatedRadiusClient' });

export const RadiusClientList = z.object({ items: z.array(RadiusClient) });

export const RadiusClientParams = z.object({ id: Uuid, clientId: Uuid });

const RadiusServer = z
  .object({ host: z.string(), authPort: z.number().int(), acctPort: z.number().int() })
  .meta({ id: 'RadiusServer', description: 'What to enter in the access point or controller as its RADIUS (authentication and accounting) server' });

export const SiteWifi = z
  .object({
    siteId: Uuid,
    ssid: z.string().nullable(),
    radiusServer: RadiusServer,
    companies: z.array(z.object({ companyId: Uuid, name: z.string(), vlan: z.number().int().nullable() })).meta({ description: 'The companies granted the site and the VLAN their members are put on (null: the SSID\'s own)' }),
  })
  .meta({ id: 'SiteWifi' });

export const UpdateSiteWifiBody = z
  .strictObject({
    ssid: z.string().trim().min(1).max(32).nullable().optional().meta({ description: 'The network (SSID) members join; null for none' }),
    vlans: z
      .array(z.strictObject({ companyId: Uuid, vlan: z.number().int().min(1).max(4094).nullable() }))
      .max(500)
      .optional()
      .meta({ description: 'A company\'s VLAN at this site (Tunnel-Private-Group-Id in the Access-Accept); null for none' }),
  })
  .refine((b) => b.ssid !== undefined || b.vlans !== undefined, 'give ssid or vlans')
  .meta({ id: 'UpdateSiteWifi' });
