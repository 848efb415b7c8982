// The whole API fuzzed from its own /openapi.json: for every operation, requests built from the
// documented parameters and bodies — valid, nearly valid and garbage — with the right
// credentials, none or wrong ones. Property: never a 5xx, and every answer matches the document
// (the tests' HTTP client checks each reply against it). Bounded and seeded: the same requests on
// every run; a failure prints the request that broke it.
import test from 'ava';
import fc from 'fast-check';
import { apiWorld, type ApiWorld } from './helpers/api.ts';
import { fileScope } from './helpers/scope.ts';

const scope = fileScope();
let world: ApiWorld;
test.before(async () => {
  world = await apiWorld(scope);
});

type Schema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  items?: Schema;
  maxItems?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  default?: unknown;
};

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: Schema;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  security?: Record<string, string[]>[];
}

/** Strings that have broken parsers before: control characters, odd Unicode, huge years, SQL-ish text. */
const nasty = fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '\u0085', '\uD800', 'e\u0301', "'; drop table member; --", '%', '../..', '0000-01-01T00:00:00Z', '+275760-09-13T00:00:00Z', '9'.repeat(40), '-1', 'null', '[]', '{}', 'é'.repeat(300));
const text = (max = 40) => fc.oneof({ weight: 3, arbitrary: fc.string({ maxLength: max }) }, { weight: 2, arbitrary: nasty });

function arbitraryFor(schema: Schema, components: Record<string, Schema>, depth = 0): fc.Arbitrary<unknown> {
  if (schema.$ref) return arbitraryFor(components[schema.$ref.split('/').pop()!] ?? {}, components, depth);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...schema.enum) }, { weight: 1, arbitrary: text(12) });
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((s) => arbitraryFor(s, components, depth)));
  if (schema.allOf?.length) return arbitraryFor(schema.allOf[0]!, components, depth);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'string':
      if (schema.format === 'uuid') return fc.oneof(fc.uuid(), text(40));
      if (schema.format === 'email') return fc.oneof(fc.emailAddress(), text(40));
      if (schema.format === 'date-time') return fc.oneof(fc.date({ min: new Date(0), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()), text(30));
      return text(Math.min(schema.maxLength ?? 60, 60));
    case 'integer':
      return fc.oneof(fc.integer({ min: schema.minimum ?? -10, max: Math.min(schema.maximum ?? 500, 100_000) }), fc.integer());
    case 'number':
      return fc.double({ noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(schema.items && depth < 4 ? arbitraryFor(schema.items, components, depth + 1) : fc.jsonValue(), { maxLength: Math.min(schema.maxItems ?? 3, 3) });
    case 'object': {
      if (depth >= 4 || !schema.properties) return fc.dictionary(text(10), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
      const required = new Set(schema.required ?? []);
      const entries = Object.entries(schema.properties).map(([key, s]) => [key, arbitraryFor(s, components, depth + 1)] as const);
      return fc.record(Object.fromEntries(entries), { requiredKeys: [...required].filter((k) => k in schema.properties!) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

test('every operation, fuzzed from /openapi.json: no 5xx and no answer outside the document', async (t) => {
  const { api, org } = world;
  const document = (await api.get('/openapi.json')).body as { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };
  const components = document.components.schemas;
  const member = await world.member();
  const site = org.siteId;
  const tokens = { admin: org.apiKey, member: member.token };

  const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })));
  const request = fc.oneof(
    ...operations.map(({ path, method, operation }) => {
      const params = operation.parameters ?? [];
      const pathParams = params.filter((p) => p.in === 'path');
      const queryParams = params.filter((p) => p.in === 'query');
      const json = operation.requestBody?.content['application/json']?.schema;
      const needs = JSON.stringify(operation.security ?? []);
      const rightToken = needs.includes('apiKey') ? tokens.admin : needs.includes('memberSession') ? tokens.member : undefined;
      return fc.record({
        method: fc.constant(method.toUpperCase()),
        template: fc.constant(path),
        path: fc.record(Object.fromEntries(pathParams.map((p) => [p.name, fc.oneof(fc.constantFrom(member.id, site), arbitraryFor(p.schema, components))]))),
        query: fc.record(Object.fromEntries(queryParams.map((p) => [p.name, arbitraryFor(p.schema, components)])), { requiredKeys: [] }),
        body: json ? fc.oneof({ weight: 3, arbitrary: arbitraryFor(json, components) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) }) : fc.constant(undefined),
        token: fc.oneof({ weight: 6, arbitrary: fc.constant(rightToken) }, { weight: 1, arbitrary: fc.constantFrom(undefined, 'mo_not-a-real-key') }),
      });
    }),
  );

  let sent = 0;
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      // A lone surrogate cannot be percent-encoded at all (URIError): send what a client could.
      const path = r.template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String((r.path as Record<string, unknown>)[name]).toWellFormed()));
      const query = new URLSearchParams(Object.entries(r.query as Record<string, unknown>).map(([k, v]): [string, string] => [k, (typeof v === 'string' ? v : JSON.stringify(v)).toWellFormed()])).toString();
      // The client throws when the answer breaks the document; a 5xx is the other failure.
      const reply = await api.call(r.method, `${path}${query ? `?${query}` : ''}`, { ...(r.token ? { token: r.token } : {}), ...(r.body !== undefined ? { body: r.body } : {}) });
      sent++;
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      if (reply.status >= 500) throw new Error(`${r.method} ${path}?${query} → ${reply.status}: ${reply.text.slice(0, 300)}`);
    }),
    { seed: 20261202, numRuns: 400, endOnFailure: true },
  );
  t.is(sent, 400);
  t.log(`statuses: ${[...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}`);
  t.true([...statuses.keys()].some((s) => s < 300), 'some requests were valid enough to succeed');
});
