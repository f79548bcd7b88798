/**
 * Makes sure the topics a pipeline needs exist before it runs. The embedded
 * log creates them; on Kafka the default is to check and explain what is
 * missing or wrong (`aura topics apply` creates them), because creating topics
 * in a shared cluster is an operator's decision. Both go through the same plan
 * as `aura topics plan` (topics-plan.ts).
 */
import { AuraError, ErrorCodes } from '../common/errors.js';
import type { Logger } from '../processors/types.js';
import type { Pipeline } from '../topology/model.js';
import type { Admin } from '../transports/types.js';
import { applyPlan, formatPlan, planTopics } from './topics-plan.js';

export { topicConfig } from './topics-plan.js';

export async function ensureTopics(pipeline: Pipeline, admin: Admin, mode: 'create' | 'check', logger: Logger): Promise<void> {
  const plan = planTopics(pipeline, await admin.listTopics());
  for (const c of plan.changes) {
    if (c.action === 'warn') logger.warn({ topic: c.topic, differences: c.reasons }, 'topic config differs from the pipeline');
  }
  if (mode === 'check') {
    if (!plan.pending && !plan.refused) return;
    const missing = plan.changes.some((c) => c.action === 'create' || c.action === 'add_partitions');
    throw new AuraError(
      plan.refused ? ErrorCodes.TOPIC_UNSAFE_CHANGE : ErrorCodes.TOPIC_MISSING,
      `the cluster's topics do not match what this pipeline needs:\n${formatPlan(plan)}` +
        (missing ? 'Run `aura topics apply` to create what is missing' : 'Fix the topics marked REFUSED by hand') +
        (plan.refused && missing ? ' (it refuses until the REFUSED ones are fixed by hand).' : '.'),
      { details: { topics: plan.changes.filter((c) => c.action !== 'unchanged' && c.action !== 'warn').map((c) => c.topic) } },
    );
  }
  // Create mode (embedded log, `aura run --create-topics`): safe changes only; the rest is logged.
  const refused = plan.changes.filter((c) => c.action === 'refuse');
  for (const c of refused) logger.warn({ topic: c.topic, differences: c.reasons }, 'topic differs from the pipeline and is left as it is');
  if (!plan.pending) return;
  const { created, grown } = await applyPlan({ ...plan, refused: false, changes: plan.changes.filter((c) => c.action !== 'refuse') }, admin);
  if (created.length > 0) logger.info({ topics: created }, 'created topics');
  if (grown.length > 0) logger.info({ topics: grown }, 'raised partition counts');
}
