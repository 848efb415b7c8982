import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';

/**
 * Who runs the buildings: one per installation. It owns the sites (doors, card stock, Wi-Fi) and
 * the customer companies working in them; its admins are members flagged `operatorAdmin`.
 */
export const OperatorSchema = defineEntity({
  name: 'Operator',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    name: p.string().length(200),
    // How long personal data is kept, where the operator chose other than the deployment's
    // defaults (domain/privacy/retention.ts): only the settings they changed.
    retention: p.json<Record<string, number>>().nullable(),
    // Shown on company admins' "Plan & billing" page: billing itself stays in the operator's own system.
    billingUrl: p.string().length(2000).nullable(),
    billingContact: p.string().length(320).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class Operator extends OperatorSchema.class {}
OperatorSchema.setClass(Operator);
