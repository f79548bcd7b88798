/**
 * `aura serve --watch`: on each save of the pipeline or its schemas, the
 * pipeline is compiled again and compared with the running one — the same
 * plan as `aura plan` (topology/plan). What happens then:
 *
 *   invalid    every error with its file:line:col; the running pipeline keeps going
 *   unchanged  nothing (a save that changes nothing the plan compares)
 *   breaking   refused with the plan's breaking lines, unless --allow-breaking
 *   safe       the deployment check runs, then the running engine applies it in place
 *              (runtime/app-swap.ts, engine.applyPipeline): a commit, then only the tasks
 *              of the sub-topologies that changed, came or went restart; the deployment is
 *              recorded; the gateway, its HTTP server and its WebSockets stay
 *
 * A change the engine cannot take in place (runtime/reload-plan.ts: defaults,
 * resources, task ids that would shift, ...) and an allowed breaking one
 * replace the engine whole, as a restart would: the old one stops with a final
 * commit, the new one starts and every task restores its state; the output
 * says why. A new engine that cannot start is reported and the previous
 * pipeline started again. Reloads run one at a time; saves during one are
 * applied after it.
 */
import fs from 'node:fs';
import { canonicalJson } from '../common/canonical-json.js';
import { errorMessage } from '../common/errors.js';
import type { Applied, SwappableApp } from '../runtime/app-swap.js';
import { checkDeployment, type DeploymentCheck } from '../runtime/deployment-check.js';
import { compilePipeline, defaultSchemasDir } from '../topology/compile.js';
import { formatDiagnostic } from '../topology/format-diagnostics.js';
import type { Pipeline } from '../topology/model.js';
import { severityOf } from '../topology/plan/changes.js';
import { buildDeployment, type Deployment } from '../topology/plan/deployment.js';
import { changeHeadline, findingLines, summaryLine } from '../topology/plan/format.js';
import { planDeployment } from '../topology/plan/plan.js';
import type { Transport } from '../transports/types.js';
import { gatewayClientTopics } from './deployment.js';
import { contentSignature, type FileWatcher, schemaSyntaxErrors, watchFiles, watchTargets } from './watch-files.js';

export type ReloadOutcome = 'unchanged' | 'invalid' | 'refused' | 'applied' | 'failed';

export interface ReloadOptions {
  swappable: SwappableApp;
  transport: Transport;
  stateDir: string;
  instanceId: string;
  allowBreaking?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Prefix of the lines written, e.g. `aura serve`. */
  label: string;
  /** A gateway runs beside the engine (`aura serve`; default true): the lines say it stayed. */
  gateway?: boolean;
  out: (text: string) => void;
  err: (text: string) => void;
  debounceMs?: number;
}

export class PipelineReloader {
  /** The deployment of the running pipeline, as it was when it started (its schemas then). */
  private deployed: Deployment;
  private signature: string;
  private watcher?: FileWatcher;
  private queue: Promise<unknown> = Promise.resolve();
  private again = false;
  private busy = false;

  constructor(private readonly o: ReloadOptions) {
    const { pipeline } = o.swappable.current;
    this.deployed = this.deploymentOf(pipeline);
    this.signature = contentSignature(watchTargets(pipeline, defaultSchemasDir(pipeline.file)));
  }

  /** Watches the files; each quiet save reloads. */
  watch(): void {
    const { pipeline } = this.o.swappable.current;
    const targets = watchTargets(pipeline, defaultSchemasDir(pipeline.file));
    this.watcher = watchFiles(targets, () => void this.schedule(), {
      debounceMs: this.o.debounceMs,
      onError: (e, dir) => this.o.err(`${this.o.label} --watch: watching ${dir} failed: ${errorMessage(e)}\n`),
    });
    this.o.out(`${this.o.label} --watch: watching ${targets.files.join(', ')} and ${targets.schemaDirs.map((d) => `${d}/*.schema.json`).join(', ')}\n`);
  }

  close(): void {
    this.watcher?.close();
  }

  /** One reload after the current one (saves during a reload collapse into one). */
  schedule(): Promise<unknown> {
    if (this.busy) {
      this.again = true;
      return this.queue;
    }
    this.busy = true;
    this.queue = (async () => {
      let outcome: ReloadOutcome;
      do {
        this.again = false;
        outcome = await this.reload().catch((e) => {
          this.o.err(`${this.o.label} --watch: reload failed: ${errorMessage(e)}\n`);
          return 'failed' as const;
        });
      } while (this.again);
      this.busy = false;
      return outcome;
    })();
    return this.queue;
  }

  async reload(): Promise<ReloadOutcome> {
    const { label, out, err } = this.o;
    const file = this.o.swappable.current.pipeline.file;
    const schemasDir = defaultSchemasDir(file);
    const signature = contentSignature(watchTargets(this.o.swappable.current.pipeline, schemasDir));
    if (signature === this.signature) return 'unchanged';
    this.signature = signature;
    const next = this.compile(file);
    if (!next) return 'invalid';
    const nextDeployment = this.deploymentOf(next);
    const plan = planDeployment(this.deployed, nextDeployment, { schemasDir });
    if (plan.verdict === 'none') {
      out(`${label} --watch: ${file} saved; nothing to apply (the plan has no changes)\n`);
      return 'unchanged';
    }
    const breaking = plan.changes.filter((c) => severityOf(c) === 'breaking');
    if (breaking.length > 0 && !this.o.allowBreaking) {
      const lines = breaking.flatMap((c) => [changeHeadline(c), ...c.findings.filter((f) => f.severity === 'breaking').flatMap((f) => findingLines(f, c))]);
      err(
        `${label} --watch: refusing to apply ${file}: breaking changes against the running pipeline:\n${lines.join('\n')}\n` +
          `The running pipeline keeps going. Undo the change, or restart with --allow-breaking (\`aura plan\` shows what it discards).\n`,
      );
      return 'refused';
    }
    out(`${label} --watch: applying ${file}:\n${plan.changes.map(changeHeadline).join('\n')}\n${summaryLine(plan)}\n`);
    let check: DeploymentCheck | undefined;
    const started = Date.now();
    let applied: Applied;
    try {
      applied = await this.o.swappable.apply(
        next,
        async () => {
          check = await checkDeployment(next, this.o.transport, {
            allowBreaking: this.o.allowBreaking,
            stateDir: this.o.stateDir,
            clientTopics: gatewayClientTopics(next),
            recordedBy: this.o.instanceId,
          });
          if (check.discarded.length > 0) out(`${label} --watch: --allow-breaking: discarded:\n${check.discarded.join('\n')}\n`);
          // Local state dropped under running tasks: they must all reopen it (restored from the changelogs).
          return check.droppedTasks.length > 0 ? 'the deployment check dropped local state (every task restores it)' : undefined;
        },
        this.replaceBecause(next, nextDeployment, breaking.length > 0),
      );
    } catch (e) {
      err(`${label} --watch: the new pipeline did not start: ${errorMessage(e)}\nThe previous pipeline runs again.\n`);
      return 'failed';
    }
    this.deployed = nextDeployment;
    await check?.record().catch((e) => err(`${label} --watch: the deployment could not be recorded: ${errorMessage(e)}\n`));
    this.watcher?.retarget(watchTargets(next, schemasDir));
    const stayed = this.o.gateway === false ? '' : '; the gateway and its connections stayed';
    out(`${label} --watch: applied in ${Date.now() - started} ms: ${restarts(applied)}${stayed}\n`);
    return 'applied';
  }

  /** The pipeline in `file`, or undefined after reporting every error with its location. */
  private compile(file: string): Pipeline | undefined {
    let source: string;
    try {
      source = fs.readFileSync(file, 'utf8');
    } catch (e) {
      this.o.err(`${this.o.label} --watch: ${file}:1:1 error FILE_UNREADABLE cannot read ${file}: ${errorMessage(e)}\nThe running pipeline keeps going.\n`);
      return undefined;
    }
    const result = compilePipeline(source, file, { env: this.o.env ?? process.env });
    if (result.ok && result.pipeline) return result.pipeline;
    const errors = [
      ...schemaSyntaxErrors(watchTargets(this.o.swappable.current.pipeline, defaultSchemasDir(file)).schemaDirs),
      ...result.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic),
    ];
    this.o.err(
      `${this.o.label} --watch: ${file} (or a schema it uses) is not valid; the running pipeline keeps going:\n${errors.join('\n')}\n` +
        `Fix it and save again (\`aura validate ${file}\` lists the same).\n`,
    );
    return undefined;
  }

  /** Why `next` needs the engine replaced whatever its compiled form (runtime/reload-plan.ts judges that). */
  private replaceBecause(next: Pipeline, nextDeployment: Deployment, breaking: boolean): string | undefined {
    if (breaking) return 'breaking changes were allowed (their reset needs the engine stopped)';
    const registry = Object.values(next.topics).filter((t) => t.format);
    // Registry serdes hold the schemas read at start; a schema file is not part of the compiled form.
    const schemasChanged = canonicalJson(this.deployed.schemas) !== canonicalJson(nextDeployment.schemas);
    if (registry.length > 0 && (schemasChanged || registry.some((t) => t.avroSchema)))
      return 'a Schema Registry topic may have another schema (its serdes are built at start)';
    return undefined;
  }

  private deploymentOf(pipeline: Pipeline): Deployment {
    return buildDeployment(pipeline, {
      schemasDir: defaultSchemasDir(pipeline.file),
      clientTopics: gatewayClientTopics(pipeline),
      recordedBy: this.o.instanceId,
    });
  }
}

/** What restarted, in one clause. */
function restarts(applied: Applied): string {
  if ('replaced' in applied) return `the engine was replaced, every task restarted (${applied.replaced})`;
  const { stopped, started, kept } = applied.inPlace;
  const list = (ids: number[]) => (ids.length === 0 ? 'none' : ids.map((id) => `${id}_*`).join(', '));
  return `in place; tasks restarted: ${list([...new Set([...stopped, ...started])].sort((a, b) => a - b))}; kept running: ${list(kept)}`;
}
