/**
 * What the reply consumer does with each topic it reads: pipeline outputs that
 * carry this instance's `aura.reply.to` header become status messages or
 * Guardian chunks and answers on the user's stream; everything else is
 * someone else's and is skipped (cheaply: a header comparison, no JSON parse).
 * The same handlers take the records this process's engine hands over as it
 * commits (reply-consumer.ts, `follow`); the trackers make the second sight of
 * a record a no-op.
 */

import { tracingOn } from '../../common/tracing/spans.js';
import { DLQ_HEADERS } from '../../runtime/dead-letter.js';
import { jsonSerdes, type ValueSerdes } from '../../runtime/serde.js';
import type { Pipeline, TopicSpec } from '../../topology/model.js';
import type { LogRecord } from '../../transports/types.js';
import { GatewayHeaders } from '../headers.js';
import type { AdviceTracker, GuardianChunk, GuardianResponse } from '../streams/advice-tracker.js';
import { traceChunkDelivery } from '../streams/chunk-tracing.js';
import type { Stage, StatusTracker } from '../streams/status-tracker.js';
import type { ReplyConsumer } from './reply-consumer.js';

/** Topic ids the gateway works with; defaults match the default pipeline. */
export interface TopicRoles {
  userEvents: string;
  guardianRequests: string;
  guardianResponses: string;
  guardianChunks: string;
  aggregated: string;
  vectorized: string;
  ingested: string;
}

export const DEFAULT_TOPIC_ROLES: TopicRoles = {
  userEvents: 'user_events',
  guardianRequests: 'guardian_requests',
  guardianResponses: 'guardian_responses',
  guardianChunks: 'guardian_chunks',
  aggregated: 'context_aggregated',
  vectorized: 'context_vectorized',
  ingested: 'vectordb_ingest',
};

export type ResolvedTopics = { [K in keyof TopicRoles]?: TopicSpec } & { deadLetters?: TopicSpec };

export function resolveTopics(pipeline: Pipeline, roles: Partial<TopicRoles> = {}): ResolvedTopics {
  const ids = { ...DEFAULT_TOPIC_ROLES, ...roles };
  const out: ResolvedTopics = {};
  for (const [role, id] of Object.entries(ids) as Array<[keyof TopicRoles, string]>) if (pipeline.topics[id]) out[role] = pipeline.topics[id];
  const dlq = pipeline.defaults.deadLetterTopic;
  if (dlq && pipeline.topics[dlq]) out.deadLetters = pipeline.topics[dlq];
  return out;
}

/** Nodes whose dead letters mean "this event will not reach the next stage". */
export function statusNodes(pipeline: Pipeline, topics: ResolvedTopics): Set<string> {
  const tracked = new Set([topics.aggregated?.id, topics.vectorized?.id, topics.ingested?.id].filter(Boolean));
  const out = new Set<string>();
  for (const node of Object.values(pipeline.nodes)) {
    if (node.kind === 'source' && node.topic && (node.topic === topics.userEvents?.id || tracked.has(node.topic))) out.add(node.id);
    if (node.kind === 'sink' && node.topic && tracked.has(node.topic)) for (const e of pipeline.edges) if (e.to === node.id) out.add(e.from);
  }
  return out;
}

export interface ReplyWiring {
  instanceId: string;
  topics: ResolvedTopics;
  status: StatusTracker;
  advice: AdviceTracker;
  statusNodes: Set<string>;
  /** Decodes values by topic (registry formats); plain JSON by default. */
  serdes?: ValueSerdes;
}

export function wireReplies(consumer: ReplyConsumer, w: ReplyWiring): void {
  const serdes = w.serdes ?? jsonSerdes;
  const json = <T>(r: LogRecord): T => serdes.decode(r.topic, r.value) as T;
  const mine = (r: LogRecord): boolean => r.headers[GatewayHeaders.replyTo] === w.instanceId && r.value !== null;
  /** `extra` reads fields of the value; without it the value is not even parsed (vectorized records carry the whole vector). */
  const stage = (topic: TopicSpec | undefined, s: Stage, extra?: (v: Record<string, unknown>) => Record<string, unknown>) => {
    if (!topic) return;
    consumer.route(topic.name, topic.partitions, (r) => {
      const eventId = r.headers[GatewayHeaders.eventId];
      if (!mine(r) || !eventId) return;
      w.status.advance(eventId, s, extra ? () => extra(json(r)) : {});
    });
  };
  stage(w.topics.aggregated, 'aggregated', (v) => ({ context_version: v.version ?? null }));
  stage(w.topics.vectorized, 'vectorized');
  stage(w.topics.ingested, 'ingested', (v) => ({ point_id: v.point_id ?? null, sink: v.sink ?? null }));
  const { guardianChunks, guardianResponses, deadLetters } = w.topics;
  if (guardianChunks) {
    // From the engine only the next chunk in sequence is taken: one it could not hand over (a send
    // retried, a value it could not decode) must not be skipped over; the consumer brings it, in order.
    consumer.route(guardianChunks.name, guardianChunks.partitions, (r, source) => {
      if (!mine(r)) return;
      const chunk = json<GuardianChunk>(r);
      const nextOnly = source === 'engine';
      // A span per delivery, not per sight: the engine's copy and the consumer's are one delivery.
      if (tracingOn() && w.advice.accepts(chunk, nextOnly)) traceChunkDelivery(r, chunk, () => w.advice.onChunk(chunk, nextOnly));
      else w.advice.onChunk(chunk, nextOnly);
    });
  }
  if (guardianResponses) {
    consumer.route(guardianResponses.name, guardianResponses.partitions, (r) => {
      if (mine(r)) w.advice.onResponse(json<GuardianResponse>(r));
    });
  }
  if (deadLetters) {
    consumer.route(deadLetters.name, deadLetters.partitions, (r) => {
      const eventId = r.headers[GatewayHeaders.eventId];
      const node = r.headers[DLQ_HEADERS.node];
      if (r.headers[GatewayHeaders.replyTo] !== w.instanceId || !eventId || !node || !w.statusNodes.has(node)) return;
      w.status.failed(eventId, { node, code: r.headers[DLQ_HEADERS.code] ?? 'UNKNOWN', message: r.headers[DLQ_HEADERS.message] ?? '' });
    });
  }
}
