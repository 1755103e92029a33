// Validates REST answers against the documented OpenAPI file with ajv (a JSON Schema 2020-12
// validator we did not write; OpenAPI 3.1 schemas are JSON Schema 2020-12).
import { Ajv2020 } from 'ajv/dist/2020.js';
import { OPENAPI } from '../../agent/api/openapi.js';

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema({ ...OPENAPI, $id: 'hashagent-openapi' });

/** Throws with ajv's errors unless `value` is a `name` of components.schemas. */
export function assertSchema(name: string, value: unknown): void {
  const v = ajv.getSchema(`hashagent-openapi#/components/schemas/${name}`);
  if (!v) throw new Error(`no schema ${name}`);
  if (!v(value)) throw new Error(`${name} does not match the OpenAPI schema: ${ajv.errorsText(v.errors, { separator: '\n' })}`);
}
