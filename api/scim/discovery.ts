// What an identity provider reads first (RFC 7643 §5–7, RFC 7644 §4): what this SCIM service
// supports, its resource types and the schemas of their attributes, including our extension.
import { SCHEMA } from '../../domain/scim/resources.ts';

const attr = (name: string, type: string, extra: Record<string, unknown> = {}) => ({
  name, type, multiValued: false, required: false, caseExact: false, mutability: 'readWrite', returned: 'default', uniqueness: 'none', ...extra,
});

export function serviceProviderConfig(baseUrl: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    documentationUri: `${baseUrl.replace(/\/scim\/v2$/, '')}/openapi.json`,
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: 200 },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      { type: 'oauthbearertoken', name: 'API key', description: 'A company API key with the scope "scim", as "Authorization: Bearer <key>"', primary: true },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

export function resourceTypes(baseUrl: string) {
  return [
    {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'User', name: 'User', endpoint: '/Users', description: 'A member of the company', schema: SCHEMA.user,
      schemaExtensions: [{ schema: SCHEMA.enterprise, required: false }, { schema: SCHEMA.onboarding, required: false }],
      meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/User` },
    },
    {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'Group', name: 'Group', endpoint: '/Groups', description: 'A group; members of SCIM_ADMIN_GROUP are administrators', schema: SCHEMA.group,
      meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/Group` },
    },
  ];
}

export function schemas(baseUrl: string, adminGroup: string) {
  const schema = (id: string, name: string, description: string, attributes: unknown[]) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'], id, name, description, attributes, meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${id}` },
  });
  return [
    schema(SCHEMA.user, 'User', 'A member', [
      attr('userName', 'string', { required: true, uniqueness: 'server', description: 'The member\'s e-mail address (or, if not an address, the work e-mail is used)' }),
      attr('externalId', 'string', { caseExact: true, description: 'The provider\'s id for the person' }),
      { ...attr('name', 'complex'), subAttributes: [attr('formatted', 'string'), attr('givenName', 'string'), attr('familyName', 'string')] },
      attr('displayName', 'string'),
      attr('preferredLanguage', 'string', { description: 'fr or en (e.g. fr-FR): the language of e-mails and pages' }),
      attr('locale', 'string'),
      attr('active', 'boolean', { description: 'false removes the member (their offboarding runs); true again invites them again' }),
      // Required here: a member is invited at an address, and userName need not be one.
      { ...attr('emails', 'complex', { multiValued: true, required: true, description: 'The sign-in address is userName when it is an address, else the primary value here, else the work one, else the first' }), subAttributes: [attr('value', 'string', { required: true }), attr('type', 'string'), attr('primary', 'boolean')] },
      { ...attr('roles', 'complex', { multiValued: true, description: '"admin" makes an administrator, anything else a user' }), subAttributes: [attr('value', 'string'), attr('display', 'string'), attr('primary', 'boolean')] },
      { ...attr('groups', 'complex', { multiValued: true, mutability: 'readOnly', description: `Membership of "${adminGroup}" makes an administrator` }), subAttributes: [attr('value', 'string', { mutability: 'readOnly' }), attr('$ref', 'reference', { referenceTypes: ['Group'], mutability: 'readOnly' }), attr('display', 'string', { mutability: 'readOnly' })] },
    ]),
    schema(SCHEMA.enterprise, 'EnterpriseUser', 'Enterprise attributes, kept as the provider writes them', [
      attr('employeeNumber', 'string'), attr('department', 'string'), attr('organization', 'string'),
      { ...attr('manager', 'complex'), subAttributes: [attr('value', 'string'), attr('displayName', 'string', { mutability: 'readOnly' })] },
    ]),
    schema(SCHEMA.onboarding, 'OnboardingUser', 'Start and end dates, the site, the kind of member and their access days', [
      attr('startDate', 'string', { description: 'First day, YYYY-MM-DD at the site: invited 7 days before, access from 00:00 that day' }),
      attr('endDate', 'string', { description: 'Last day (YYYY-MM-DD: removed at the next midnight at the site) or an exact date-time' }),
      attr('site', 'string', { description: 'The site\'s name or id (needed when the company has several)' }),
      attr('status', 'string', { mutability: 'readOnly', description: 'scheduled, invited, awaiting_card, active, removed…' }),
      attr('kind', 'string', { mutability: 'immutable', canonicalValues: ['member', 'day_pass'], description: 'A member, or a guest on a day pass (its card opens on its dates only; a first and a last name required)' }),
      attr('dates', 'string', { multiValued: true, description: 'A day pass\'s dates, YYYY-MM-DD at the site; removed after the last' }),
      attr('accessDays', 'string', { multiValued: true, canonicalValues: ['business_week', 'saturday', 'sunday', 'always'], description: 'Narrows access: business_week (Mon–Fri 06:00–22:00) plus saturday and/or sunday, or always; never wider than the company\'s grants' }),
    ]),
    schema(SCHEMA.group, 'Group', 'A group', [
      attr('displayName', 'string', { required: true, uniqueness: 'server' }),
      attr('externalId', 'string', { caseExact: true }),
      // Members are this company's users; an id the server does not know is refused (invalidValue).
      {
        ...attr('members', 'complex', { multiValued: true, description: 'The company\'s users in the group; an unknown id is refused (400 invalidValue)' }),
        subAttributes: [attr('value', 'string', { mutability: 'immutable' }), attr('$ref', 'reference', { referenceTypes: ['User'], mutability: 'immutable' }), attr('display', 'string', { description: 'As the provider wrote it; the member\'s name when it wrote none' })],
      },
    ]),
  ];
}
