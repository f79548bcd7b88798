/**
 * `aura docs [--check]`: docs/pipeline-reference.md and docs/processors/*.md
 * from the schema and the processor specs, and the generated deployment
 * files and contracts (docs/asyncapi.yaml, docs/openapi.json). `aura schema [--check]`:
 * schemas/pipeline.schema.json, the schema editors use.
 */
import type { Command } from 'commander';
import { generatedOpenApiFiles } from '../gateway/openapi/generated.js';
import { generatedOpsFiles } from '../ops/generated.js';
import { generatedDocs, generatedSchemas } from '../topology/docs/generate.js';
import type { CliContext } from './context.js';
import { writeOrCheck } from './generated-files.js';

export function registerDocs(program: Command, cli: CliContext): void {
  program
    .command('docs')
    .description('generate docs/pipeline-reference.md and docs/processors/*.md')
    .option('--check', 'only check that the committed files are up to date (exit 1 if not)')
    .option('--root <dir>', 'repository root to write into (default: this checkout)')
    // The deployment files derived from pipeline.yaml (Qdrant variant, AsyncAPI, ACLs) and the gateway's OpenAPI document are docs too: one command refreshes all.
    .action((options: { check?: boolean; root?: string }) =>
      writeOrCheck(new Map([...generatedDocs(), ...generatedOpsFiles(), ...generatedOpenApiFiles()]), { ...options, command: 'docs' }, cli),
    );
}

export function registerSchema(program: Command, cli: CliContext): void {
  program
    .command('schema')
    .description('generate schemas/pipeline.schema.json (for editors: yaml-language-server)')
    .option('--check', 'only check that the committed file is up to date (exit 1 if not)')
    .option('--root <dir>', 'repository root to write into (default: this checkout)')
    .action((options: { check?: boolean; root?: string }) => writeOrCheck(generatedSchemas(), { ...options, command: 'schema' }, cli));
}
