// The REST API's documented schema (openapi.json beside this file), bundled into the CLI and
// served at /api/v1/openapi.json.
import doc from './openapi.json' with { type: 'json' };

export const OPENAPI = doc;
export const OPENAPI_TEXT = JSON.stringify(doc);
