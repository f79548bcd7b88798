/**
 * `aura plan [pipeline.yaml]`: what deploying this pipeline would change,
 * compared with the deployment `aura run`/`aura serve` recorded in
 * `<app>-deployments` (on Kafka when KAFKA_BROKERS is set, else on the
 * embedded log under the state directory) — topics, stores, processors,
 * joins, resources and event schemas added, removed or changed, each safe or
 * breaking, at its file:line:col, with what to do. Exit code: 0 no change,
 * 1 only safe changes, 2 something breaking, 3 the plan could not be made.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { errorMessage } from '../common/errors.js';
import { localCopyFile, readDeployment, readLocalCopy } from '../runtime/deployment-record.js';
import { defaultSchemasDir, loadPipeline } from '../topology/compile.js';
import type { Pipeline } from '../topology/model.js';
import { buildDeployment, type Deployment } from '../topology/plan/deployment.js';
import { formatPlan } from '../topology/plan/format.js';
import { planDeployment, planExitCode } from '../topology/plan/plan.js';
import { DEFAULT_PIPELINE } from './compile-input.js';
import type { CliContext } from './context.js';
import { gatewayClientTopics } from './deployment.js';
import { chooseTransport, resolveStateDir } from './open-pipeline.js';

/** The plan could not be made (invalid pipeline, unreachable log, unreadable record). */
export const EXIT_PLAN_FAILED = 3;

interface PlanOptions {
  stateDir?: string;
  format: 'text' | 'json';
}

export function registerPlan(program: Command, cli: CliContext): void {
  program
    .command('plan')
    .description(
      'compare the pipeline with the deployed one: what a deploy would add, change and remove, which changes are breaking (exit 0 none, 1 safe, 2 breaking, 3 failed)',
    )
    .argument('[pipeline]', 'pipeline file', DEFAULT_PIPELINE)
    .option('--state-dir <dir>', 'embedded log: local state directory (default: defaults.state_dir of the pipeline)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (file: string, options: PlanOptions) => {
      cli.exitCode = await planCommand(file, options, cli);
    });
}

async function planCommand(file: string, options: PlanOptions, cli: CliContext): Promise<number> {
  let pipeline: Pipeline;
  try {
    pipeline = loadPipeline(file);
  } catch (err) {
    cli.err(`aura plan: ${errorMessage(err)}\nRun \`aura validate ${file}\` for every problem with its line and column.\n`);
    return EXIT_PLAN_FAILED;
  }
  const stateDir = resolveStateDir(pipeline, file, options.stateDir);
  let found: { deployed?: Deployment; source: string };
  try {
    found = await deployedPipeline(pipeline, stateDir);
  } catch (err) {
    cli.err(`aura plan: ${errorMessage(err)}\n`);
    return EXIT_PLAN_FAILED;
  }
  const schemasDir = defaultSchemasDir(file);
  const current = buildDeployment(pipeline, { schemasDir, clientTopics: gatewayClientTopics(pipeline) });
  const plan = planDeployment(found.deployed, current, { schemasDir });
  if (options.format === 'json') cli.out(`${JSON.stringify({ ...plan, source: found.source }, null, 2)}\n`);
  else cli.out(`${formatPlan(plan, { file })}(deployment ${found.source})\n`);
  return planExitCode(plan);
}

/** The recorded deployment: from the log, or — when a running pipeline holds the embedded log — from its local copy. */
async function deployedPipeline(pipeline: Pipeline, stateDir: string): Promise<{ deployed?: Deployment; source: string }> {
  // A plan changes nothing: no embedded log yet means nothing deployed (rather than creating an empty one).
  const log = path.join(stateDir, 'embedded-log.db');
  if (!process.env.KAFKA_BROKERS?.trim() && !fs.existsSync(log)) return { source: `none: there is no embedded log at ${log} yet` };
  let chosen: ReturnType<typeof chooseTransport>;
  try {
    chosen = chooseTransport(pipeline, stateDir);
  } catch (err) {
    const busy = !process.env.KAFKA_BROKERS?.trim() && /in use by process/.test(errorMessage(err));
    if (!busy) throw err;
    const copy = readLocalCopy(stateDir, pipeline.app);
    if (!copy) throw new Error(`${errorMessage(err)}; and ${localCopyFile(stateDir, pipeline.app)} (the copy a running pipeline keeps) is missing`);
    return { deployed: copy, source: `read from ${localCopyFile(stateDir, pipeline.app)}: the embedded log is in use by the running pipeline` };
  }
  try {
    await chosen.transport.connect();
    return { deployed: await readDeployment(chosen.transport, pipeline.app), source: `read from ${pipeline.app}-deployments on ${chosen.summary}` };
  } finally {
    await chosen.transport.close().catch(() => undefined);
  }
}
