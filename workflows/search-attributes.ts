import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Kept current by the member lifecycle so the stock CLI can ask
// `temporal workflow list --query "MemberStatus='card_overdue'"`.
export const MemberStatusKey = defineSearchAttributeKey('MemberStatus', SearchAttributeType.KEYWORD);
export const OrganizationIdKey = defineSearchAttributeKey('OrganizationId', SearchAttributeType.KEYWORD);

export const searchAttributeKeys = [MemberStatusKey, OrganizationIdKey];
