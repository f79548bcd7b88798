/**
 * docs/openapi.json: the OpenAPI document of a gateway serving pipeline.yaml
 * with every optional route (development tokens included), compiled with an
 * empty environment like the other generated files. `aura docs` writes it,
 * `aura docs --check` and gateway/openapi/openapi.test.ts fail when the
 * committed copy is stale.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../cli/generated-files.js';
import { compileForDocs } from '../../ops/generated.js';
import { openApiDocument } from './document.js';
import { ALL_FEATURES, gatewayOperations } from './operations.js';

export const OPENAPI_FILE = 'docs/openapi.json';

export function generatedOpenApiFiles(root: string = REPO_ROOT): Map<string, string> {
  const file = path.join(root, 'pipeline.yaml');
  const pipeline = compileForDocs(fs.readFileSync(file, 'utf8'), file);
  const doc = openApiDocument({ app: pipeline.app, operations: gatewayOperations(ALL_FEATURES) });
  return new Map([[OPENAPI_FILE, `${JSON.stringify(doc, null, 2)}\n`]]);
}
