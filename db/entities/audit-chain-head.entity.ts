import { defineEntity, p } from '@mikro-orm/core';

/** The last link of each audit chain (`company:<id>`, `operator:<id>`): what the next event chains to, and GET /v1/audit/head. */
export const AuditChainHeadSchema = defineEntity({
  name: 'AuditChainHead',
  tableName: 'audit_chain_head',
  properties: {
    chain: p.string().length(80).primary(),
    seq: p.bigint('number'),
    hash: p.string().length(64),
  },
});

export class AuditChainHead extends AuditChainHeadSchema.class {}
AuditChainHeadSchema.setClass(AuditChainHead);
