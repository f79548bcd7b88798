/**
 * The deployment gate of `aura run` and `aura serve`: before the engine
 * starts, the pipeline is compared with the recorded deployment; a breaking
 * change is refused (exit 1, with the plan's breaking lines and what
 * `--allow-breaking` would discard) or, when allowed, carried out and its
 * discards listed; once the engine has started, the deployment is recorded. Also what the gateway
 * contributes to a plan: the topics clients publish to.
 */
import os from 'node:os';
import { errorMessage } from '../common/errors.js';
import { resolveTopics } from '../gateway/replies/reply-routes.js';
import { checkDeployment, type DeploymentCheck } from '../runtime/deployment-check.js';
import type { Pipeline } from '../topology/model.js';
import { deploymentsTopic } from '../topology/plan/deployment.js';
import type { OpenedPipeline } from './open-pipeline.js';

/** Topic ids whose records clients send through the gateway (user events, Guardian requests). */
export function gatewayClientTopics(pipeline: Pipeline): string[] {
  const roles = resolveTopics(pipeline);
  return [roles.userEvents?.id, roles.guardianRequests?.id].filter((id): id is string => id !== undefined);
}

export interface GateOptions {
  allowBreaking?: boolean;
  /** `aura run` / `aura serve`: prefix of the lines written. */
  label: string;
  instanceId?: string;
  out?: (text: string) => void;
  err?: (text: string) => void;
}

export interface Gate {
  /** Records the deployment: call once the engine has started. Never throws (a failure is reported). */
  record(): Promise<void>;
}

/** The gate, or undefined when the engine must not start (the refusal is printed). */
export async function deploymentGate(opened: OpenedPipeline, options: GateOptions): Promise<Gate | undefined> {
  const out = options.out ?? ((s: string) => void process.stdout.write(s));
  const err = options.err ?? ((s: string) => void process.stderr.write(s));
  const { pipeline, transport, stateDir } = opened;
  let check: DeploymentCheck;
  try {
    check = await checkDeployment(pipeline, transport, {
      allowBreaking: options.allowBreaking,
      stateDir,
      clientTopics: gatewayClientTopics(pipeline),
      recordedBy: options.instanceId ?? os.hostname(),
    });
  } catch (e) {
    err(`${options.label}: ${errorMessage(e)}\n`);
    return undefined;
  }
  const { plan } = check;
  const head = `${options.label}: deployment of ${pipeline.app}:`;
  const since = plan.deployed ? ` since the deployment of ${plan.deployed.recordedAt}` : '';
  if (!plan.deployed) out(`${head} the first\n`);
  else if (plan.verdict === 'none') out(`${head} unchanged${since}\n`);
  else out(`${head} ${plan.changes.length} change${plan.changes.length > 1 ? 's' : ''}${since} (${plan.verdict}; \`aura plan\` lists them)\n`);
  if (check.discarded.length > 0) {
    const breaking = plan.changes.filter((c) => c.findings.some((f) => f.severity === 'breaking')).length;
    out(`${options.label}: --allow-breaking: deploying ${breaking} breaking change(s); discarded:\n${check.discarded.join('\n')}\n`);
    if (check.resetChangelogs.length > 0) out(`  changelogs deleted and re-created empty: ${check.resetChangelogs.join(', ')}\n`);
  }
  if (check.droppedTasks.length > 0) out(`  local state dropped (restored from the changelogs): tasks ${check.droppedTasks.join(', ')}\n`);
  return {
    async record() {
      try {
        if (await check.record()) out(`${options.label}: deployment recorded in ${deploymentsTopic(pipeline.app)}\n`);
      } catch (e) {
        // Bookkeeping: the pipeline runs; the next plan compares with the previous record.
        err(`${options.label}: the deployment could not be recorded in ${deploymentsTopic(pipeline.app)}: ${errorMessage(e)}\n`);
      }
    },
  };
}
