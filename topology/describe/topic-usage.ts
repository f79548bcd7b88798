/**
 * Who reads and who writes each topic of a pipeline: its processors (from the
 * compiled graph) and the gateway of `aura serve` (from the topic roles it
 * works with). The AsyncAPI document turns this into operations and the ACL
 * generator into permissions, so both say the same thing.
 *
 * The gateway's topic roles and record headers are restated here because
 * topology/ may not import gateway/ or runtime/; topic-usage.test.ts checks
 * them against gateway/replies/reply-routes.ts, gateway/headers.ts and
 * runtime/dead-letter.ts.
 */
import type { Pipeline } from '../model.js';
import { predecessors, successors } from './graph-view.js';

/** The two deployable parts: `aura run` (processors) and the gateway of `aura serve`. */
export type Component = 'pipeline' | 'gateway';

export type UseRole =
  | 'source' // a processor consumes the topic's records
  | 'table' // a join materialises the topic as a table
  | 'sink' // a processor produces to the topic
  | 'changelog' // a store logs its changes (written by processing, read back by restores)
  | 'dead_letter' // records that failed are sent there
  | 'publish' // the gateway publishes HTTP requests as records
  | 'reply' // the gateway reads answers for its clients (Guardian)
  | 'status'; // the gateway follows events through the pipeline (processing status)

export interface TopicUse {
  component: Component;
  /** Node id for the pipeline, `gateway` for the gateway. */
  actor: string;
  action: 'read' | 'write';
  /** Topic id. */
  topic: string;
  role: UseRole;
}

/** The gateway's topic ids, as gateway/replies/reply-routes.ts DEFAULT_TOPIC_ROLES. */
export const GATEWAY_TOPICS = {
  publishes: { userEvents: 'user_events', guardianRequests: 'guardian_requests' },
  replies: { guardianResponses: 'guardian_responses', guardianChunks: 'guardian_chunks' },
  status: { aggregated: 'context_aggregated', vectorized: 'context_vectorized', ingested: 'vectordb_ingest' },
} as const;

/** Record headers the gateway sets and the engine forwards to every derived record (gateway/headers.ts). */
export const RECORD_HEADERS = {
  'aura.reply.to': 'The gateway instance that published the originating request: outputs are routed back to it.',
  'aura.event.id': 'Id of the user event this record derives from (processing status).',
  'aura.event.type': 'Type of that user event.',
  traceparent: 'W3C trace context of the originating HTTP request.',
  tracestate: 'W3C trace state of the originating HTTP request.',
  'aura.replayed-from': 'Set by `aura dlq replay`: the dead letter (topic:partition:offset) this record was re-published from.',
} as const;

/** Headers of a dead letter (runtime/dead-letter.ts DLQ_HEADERS), besides the original record's own. */
export const DEAD_LETTER_HEADERS = {
  'aura.dlq.app': 'The pipeline (app id) whose processor failed.',
  'aura.dlq.topic': 'Topic of the original record.',
  'aura.dlq.partition': 'Partition of the original record.',
  'aura.dlq.offset': 'Offset of the original record.',
  'aura.dlq.key': 'Key of the original record (empty when it had none).',
  'aura.dlq.timestamp': 'Timestamp of the original record (ms since the epoch).',
  'aura.dlq.node': 'The node that failed.',
  'aura.dlq.error.code': 'Error code (common/errors.ts), e.g. DESERIALIZATION, SCHEMA_VIOLATION, PROCESSOR_FAILED.',
  'aura.dlq.error.message': 'Error message (at most 2000 characters).',
} as const;

/** The compacted single-partition topic where gateway instances announce their tasks (gateway/queries/instance-registry.ts). */
export function gatewayRegistryTopic(pipeline: Pipeline): string {
  return `${pipeline.app}-gateway-instances`;
}

export function topicUsage(pipeline: Pipeline): TopicUse[] {
  const uses: TopicUse[] = [];
  const add = (u: TopicUse) => {
    if (!uses.some((x) => x.component === u.component && x.actor === u.actor && x.action === u.action && x.topic === u.topic && x.role === u.role))
      uses.push(u);
  };
  const nodes = Object.values(pipeline.nodes);
  for (const node of nodes) {
    if (node.kind === 'source' && node.topic) {
      for (const reader of successors(pipeline, node.id)) add({ component: 'pipeline', actor: reader, action: 'read', topic: node.topic, role: 'source' });
    }
    if (node.kind === 'sink' && node.topic) {
      for (const writer of predecessors(pipeline, node.id)) add({ component: 'pipeline', actor: writer, action: 'write', topic: node.topic, role: 'sink' });
    }
  }
  const changelogIds = new Map(
    Object.values(pipeline.topics)
      .filter((t) => t.internal)
      .map((t) => [t.name, t.id]),
  );
  for (const store of Object.values(pipeline.stores)) {
    const users = nodes.filter((n) => n.stores.includes(store.id)).map((n) => n.id);
    if (store.fromTopic) for (const actor of users) add({ component: 'pipeline', actor, action: 'read', topic: store.fromTopic, role: 'table' });
    const changelog = store.changelogTopic ? changelogIds.get(store.changelogTopic) : undefined;
    if (changelog) {
      for (const actor of users) {
        add({ component: 'pipeline', actor, action: 'write', topic: changelog, role: 'changelog' });
        add({ component: 'pipeline', actor, action: 'read', topic: changelog, role: 'changelog' });
      }
    }
  }
  const dlq = pipeline.defaults.deadLetterTopic;
  if (dlq && pipeline.topics[dlq]) {
    for (const node of nodes)
      if (node.onError === 'dead_letter') add({ component: 'pipeline', actor: node.id, action: 'write', topic: dlq, role: 'dead_letter' });
  }
  const gateway = (action: TopicUse['action'], topic: string, role: UseRole) => {
    if (pipeline.topics[topic]) add({ component: 'gateway', actor: 'gateway', action, topic, role });
  };
  for (const id of Object.values(GATEWAY_TOPICS.publishes)) gateway('write', id, 'publish');
  for (const id of Object.values(GATEWAY_TOPICS.replies)) gateway('read', id, 'reply');
  for (const id of Object.values(GATEWAY_TOPICS.status)) gateway('read', id, 'status');
  if (dlq) gateway('read', dlq, 'status');
  return uses;
}

/** Topic ids the pipeline's consumer group reads (source and table topics): what consumer lag is measured on. */
export function groupInputTopics(pipeline: Pipeline): string[] {
  return [...new Set(pipeline.subtopologies.flatMap((st) => [...st.sourceTopics, ...st.tableTopics]))];
}
