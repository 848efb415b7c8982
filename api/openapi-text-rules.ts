// The text rules every request passes before its schema is read (domain/input-text.ts: no control
// characters, one line but where a field holds lines, bounded length) stated in the OpenAPI
// document, so generated clients and fuzzers know them: schemathesis found 14 operations that
// "mostly reject schema-valid data" before they were. Added to the string schemas of requests
// (parameters and bodies, and the components only they use), where the route's own schema says
// nothing stricter (a format, an enum, a pattern of its own).
import { MAX_LINES_LENGTH, MAX_TEXT_LENGTH, MULTILINE_FIELDS } from '../domain/input-text.ts';

// JSON Schema patterns are ECMA-262: the escapes are written out, not the characters.
const ONE_LINE = '^[^\\u0000-\\u001F\\u007F-\\u009F]*$';
const LINES = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function isPlainString(schema: Json): boolean {
  const type = schema.type;
  const string = type === 'string' || (Array.isArray(type) && type.includes('string'));
  return string && !('format' in schema) && !('enum' in schema) && !('const' in schema) && !('pattern' in schema);
}

/** The component names a part of the document points to, transitively. */
function referenced(root: unknown, components: Json): Set<string> {
  const found = new Set<string>();
  const visit = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isObject(node)) return;
    const ref = node.$ref;
    if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
      const name = ref.slice('#/components/schemas/'.length);
      if (!found.has(name)) {
        found.add(name);
        visit(components[name]);
      }
    }
    for (const value of Object.values(node)) visit(value);
  };
  visit(root);
  return found;
}

function state(node: unknown, field: string | undefined, components: Json, ours: Set<string>, seen: Set<unknown>): void {
  if (Array.isArray(node)) return node.forEach((n) => state(n, field, components, ours, seen));
  if (!isObject(node) || seen.has(node)) return;
  seen.add(node);
  if (typeof node.$ref === 'string') {
    const name = node.$ref.slice('#/components/schemas/'.length);
    if (ours.has(name)) state(components[name], field, components, ours, seen);
    return;
  }
  if (isPlainString(node)) {
    const lines = field !== undefined && MULTILINE_FIELDS.has(field);
    node.pattern = lines ? LINES : ONE_LINE;
    node.maxLength = Math.min(Number(node.maxLength ?? Infinity), lines ? MAX_LINES_LENGTH : MAX_TEXT_LENGTH);
  }
  if (isObject(node.properties)) for (const [name, value] of Object.entries(node.properties)) state(value, name, components, ours, seen);
  // A request body's media types, then the places a schema holds schemas.
  if (isObject(node.content)) for (const media of Object.values(node.content)) state((media as Json).schema, field, components, ours, seen);
  for (const key of ['items', 'anyOf', 'oneOf', 'allOf', 'additionalProperties']) if (node[key] !== undefined) state(node[key], field, components, ours, seen);
}

export function stateTextRules<D extends object>(doc: D): D {
  const document = doc as unknown as Json;
  const components = ((document.components as Json | undefined)?.schemas ?? {}) as Json;
  const operations = Object.values((document.paths ?? {}) as Json).flatMap((item) => Object.values(item as Json).filter(isObject));
  const requests = operations.map((op) => ({ parameters: op.parameters, requestBody: op.requestBody }));
  const responses = operations.map((op) => op.responses);
  // A component a response uses too is left as it is: responses are not requests.
  const inResponses = referenced(responses, components);
  const ours = new Set([...referenced(requests, components)].filter((name) => !inResponses.has(name)));
  const seen = new Set<unknown>();
  for (const request of requests) {
    for (const parameter of Array.isArray(request.parameters) ? request.parameters : []) {
      if (isObject(parameter)) state(parameter.schema, String(parameter.name), components, ours, seen);
    }
    state(request.requestBody, undefined, components, ours, seen);
  }
  return doc;
}
