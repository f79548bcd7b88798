/**
 * `aura schemas plan|apply [pipeline.yaml]`: the Schema Registry side of a
 * deploy, like `aura topics`. `plan` prints, per subject `<topic>-value` of the
 * pipeline's `json_sr`/`avro` topics, whether its schema is registered, new, a
 * compatible new version or incompatible (with the field the registry names);
 * `apply` sets missing compatibility levels (BACKWARD unless --compatibility)
 * and registers, refusing everything when one schema is incompatible (exit 1).
 * `plan --exit-code` exits 2 when changes are pending. The registry is
 * SCHEMA_REGISTRY_URL (+ SCHEMA_REGISTRY_API_KEY/_SECRET), see docs/schema-registry.md.
 */
import type { Command } from 'commander';
import { errorMessage } from '../common/errors.js';
import { describeRegistryConfig, registryConfigFromEnv, SchemaRegistryClient, topicSchemas } from '../serdes/index.js';
import type { CompatibilityLevel } from '../serdes/registry-client.js';
import { applySchemaPlan, formatSchemaPlan, planSchemas } from '../serdes/schemas-plan.js';
import { loadPipeline } from '../topology/compile.js';
import { DEFAULT_PIPELINE } from './compile-input.js';
import type { CliContext } from './context.js';
import { EXIT_FAILED, EXIT_USAGE } from './context.js';

interface SchemasOptions {
  verbose?: boolean;
  exitCode?: boolean;
  compatibility: string;
}

const LEVELS = ['BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE', 'NONE'];

async function schemasCommand(mode: 'plan' | 'apply', file: string, options: SchemasOptions, cli: CliContext): Promise<number> {
  const fail = (msg: string, code = EXIT_FAILED) => {
    cli.err(`aura schemas ${mode}: ${msg}\n`);
    return code;
  };
  const level = options.compatibility.toUpperCase();
  if (!LEVELS.includes(level)) return fail(`--compatibility must be one of ${LEVELS.join(', ')}`, EXIT_USAGE);
  try {
    const pipeline = loadPipeline(file);
    const schemas = topicSchemas(pipeline);
    const config = registryConfigFromEnv();
    if (!config) {
      if (schemas.length === 0) {
        cli.out(`no topic of ${pipeline.app} uses the Schema Registry (format json_sr or avro): nothing to do\n`);
        return 0;
      }
      return fail('SCHEMA_REGISTRY_URL is not set (see docs/schema-registry.md)');
    }
    const client = new SchemaRegistryClient(config);
    const plan = await planSchemas(client, schemas, level as CompatibilityLevel);
    cli.out(`schemas of ${pipeline.app} on ${describeRegistryConfig(config)}\n`);
    cli.out(formatSchemaPlan(plan, { verbose: options.verbose }));
    if (mode === 'plan') {
      if (plan.refused)
        cli.err(
          'incompatible schemas (see ! above): `aura schemas apply` would refuse; make the change compatible (e.g. give a new field a default or make it optional)\n',
        );
      return plan.refused ? EXIT_FAILED : options.exitCode && plan.pending ? EXIT_USAGE : 0;
    }
    if (!plan.pending) {
      cli.out('nothing to apply\n');
      return 0;
    }
    const applied = await applySchemaPlan(client, plan);
    cli.out(`applied: ${applied.map((a) => `${a.subject} (id ${a.id})`).join(', ')}\n`);
    return 0;
  } catch (err) {
    return fail(errorMessage(err));
  }
}

export function registerSchemas(program: Command, cli: CliContext): void {
  const schemas = program.command('schemas').description('register the schemas of json_sr/avro topics in the Schema Registry, checking compatibility first');
  const common = (cmd: Command) =>
    cmd
      .argument('[pipeline]', 'pipeline file', DEFAULT_PIPELINE)
      .option('--compatibility <level>', 'level set on subjects that have none of their own', 'BACKWARD')
      .option('-v, --verbose', 'also list the subjects that are up to date');
  common(schemas.command('plan').description('print what apply would register, and any incompatibility'))
    .option('--exit-code', 'exit 2 when changes are pending')
    .action(async (file: string, options: SchemasOptions) => {
      cli.exitCode = await schemasCommand('plan', file, options, cli);
    });
  common(schemas.command('apply').description('set compatibility levels and register the schemas; refuses incompatible ones')).action(
    async (file: string, options: SchemasOptions) => {
      cli.exitCode = await schemasCommand('apply', file, options, cli);
    },
  );
}
