// Every answer the tests' HTTP client receives is checked against the app's own /openapi.json:
// the documented status (or `default`), content type and JSON Schema of the body. A response that
// drifts from its schema fails the test that received it, whatever that test was about.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ValidateFunction } from 'ajv';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  responses: Record<string, { content?: Record<string, unknown> }>;
}

export interface ContractViolation {
  method: string;
  path: string;
  status: number;
  problem: string;
}

const pointer = (...parts: string[]) => '#/' + parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

export function contractChecker(document: { paths: Record<string, Record<string, { responses: Operation['responses'] }>> }) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema(document as object, 'openapi');
  const operations: Operation[] = [];
  for (const [template, methods] of Object.entries(document.paths)) {
    const pattern = new RegExp('^' + template.split('/').map((s) => (/^\{\w+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&'))).join('/') + '$');
    for (const [method, operation] of Object.entries(methods)) operations.push({ method: method.toUpperCase(), template, pattern, responses: operation.responses });
  }
  const validators = new Map<string, ValidateFunction>();
  const validatorFor = (ref: string) => {
    let v = validators.get(ref);
    if (!v) validators.set(ref, (v = ajv.compile({ $ref: `openapi${ref}` })));
    return v;
  };

  /** The problem with this answer, or undefined when it is what the document says. Paths it does not document are not judged. */
  return function check(method: string, url: string, status: number, contentType: string, body: unknown, text: string): ContractViolation | undefined {
    const path = new URL(url, 'http://x').pathname;
    const candidates = operations.filter((o) => o.pattern.test(path));
    if (!candidates.length) return undefined;
    const verb = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase();
    const operation = candidates.find((o) => o.method === verb);
    const violation = (problem: string): ContractViolation => ({ method, path, status, problem });
    // A method the path does not take: the problem answer is the contract (405 with Allow, 501).
    if (!operation) return status === 405 || status === 501 || status === 404 ? undefined : violation(`no ${verb} operation documented for this path, yet it answered ${status}`);
    const key = String(status) in operation.responses ? String(status) : 'default';
    const response = operation.responses[key];
    if (!response) return violation(`status ${status} is not documented for ${verb} ${operation.template}`);
    if (!response.content) return text === '' ? undefined : violation(`status ${status} is documented without a body, yet one came: ${text.slice(0, 200)}`);
    const type = contentType.split(';')[0]!.trim();
    if (!(type in response.content)) return violation(`content type "${type}" is not documented for ${status} (documented: ${Object.keys(response.content).join(', ')})`);
    if (!/json/.test(type)) return undefined;
    const validate = validatorFor(pointer('paths', operation.template, verb.toLowerCase(), 'responses', key, 'content', type, 'schema'));
    if (validate(body)) return undefined;
    return violation(`body does not match its schema: ${ajv.errorsText(validate.errors, { separator: '; ' })}`);
  };
}
