/**
 * Makes sure the topics a pipeline needs exist before it runs. The embedded
 * log creates them; on Kafka the default is to check and explain what is
 * missing (`aura topics apply` creates them), because creating topics in a
 * shared cluster is an operator's decision.
 */
import { AuraError, ErrorCodes } from '../common/errors.js';
import type { Pipeline, TopicSpec } from '../topology/model.js';
import type { Logger } from '../processors/types.js';
import type { Admin, TopicConfig } from '../transports/types.js';

export function topicConfig(topic: TopicSpec): TopicConfig {
  const config: Record<string, string> = { 'cleanup.policy': topic.cleanup };
  if (topic.cleanup !== 'compact') config['retention.ms'] = String(topic.retentionMs);
  return { name: topic.name, partitions: topic.partitions, replication: topic.replication, config };
}

export async function ensureTopics(pipeline: Pipeline, admin: Admin, mode: 'create' | 'check', logger: Logger): Promise<void> {
  const existing = new Map((await admin.listTopics()).map((t) => [t.name, t] as const));
  const missing = Object.values(pipeline.topics).filter((t) => !existing.has(t.name));
  const tooSmall = Object.values(pipeline.topics).filter((t) => (existing.get(t.name)?.partitions ?? t.partitions) < t.partitions);
  if (mode === 'check' && (missing.length > 0 || tooSmall.length > 0)) {
    const lines = [
      ...missing.map((t) => `  missing: ${t.name} (${t.partitions} partitions, cleanup.policy=${t.cleanup})`),
      ...tooSmall.map((t) => `  ${t.name} has ${existing.get(t.name)!.partitions} partitions, the pipeline needs ${t.partitions}`),
    ];
    throw new AuraError(ErrorCodes.TOPIC_MISSING, `the cluster lacks topics this pipeline needs:\n${lines.join('\n')}\nRun \`aura topics apply\` to create them.`);
  }
  if (missing.length > 0) {
    await admin.createTopics(missing.map(topicConfig));
    logger.info({ topics: missing.map((t) => t.name) }, 'created topics');
  }
  for (const t of tooSmall) await admin.createPartitions(t.name, t.partitions);
}
