/**
 * Topic usage of the default pipeline: every processor's reads and writes
 * follow the compiled graph, and the gateway's topic roles and header names
 * restated in topic-usage.ts are the ones the gateway, the engine and
 * `aura dlq replay` really use.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPLAYED_FROM_HEADER } from '../../cli/dlq-replay.js';
import { GatewayHeaders } from '../../gateway/headers.js';
import { DEFAULT_TOPIC_ROLES, resolveTopics } from '../../gateway/replies/reply-routes.js';
import { DLQ_HEADERS } from '../../runtime/dead-letter.js';
import { compilePipeline } from '../compile.js';
import { DEAD_LETTER_HEADERS, GATEWAY_TOPICS, groupInputTopics, RECORD_HEADERS, topicUsage } from './topic-usage.js';

const source = fs.readFileSync(fileURLToPath(new URL('../../pipeline.yaml', import.meta.url)), 'utf8');
const pipeline = compilePipeline(source, 'pipeline.yaml', { env: {} }).pipeline!;
const uses = topicUsage(pipeline);
const pick = (f: (u: (typeof uses)[number]) => boolean) =>
  uses
    .filter(f)
    .map((u) => `${u.actor} ${u.action} ${u.topic} ${u.role}`)
    .sort();

describe('topic usage', () => {
  it('reads and writes of the processors follow the compiled graph', () => {
    expect(pick((u) => u.component === 'pipeline' && (u.role === 'source' || u.role === 'sink' || u.role === 'table'))).toEqual(
      [
        'aggregate_context read user_events source',
        'split_events read user_events source',
        'aggregate_context write context_aggregated sink',
        'vectorize_context read context_aggregated source',
        'vectorize_context write context_vectorized sink',
        'ingest_vectors read context_vectorized source',
        'ingest_vectors write vectordb_ingest sink',
        'requests_with_context read guardian_requests source',
        'requests_with_context read context_aggregated table',
        'guardian write guardian_responses sink',
        'guardian write guardian_chunks sink',
        'mood_with_activity write mood_activity sink',
      ].sort(),
    );
    // Every source and sink topic of every sub-topology is accounted for.
    for (const st of pipeline.subtopologies) {
      for (const t of st.sourceTopics) expect(uses.some((u) => u.topic === t && u.role === 'source')).toBe(true);
      for (const t of st.tableTopics) expect(uses.some((u) => u.topic === t && u.role === 'table')).toBe(true);
      for (const t of st.sinkTopics) expect(uses.some((u) => u.topic === t && u.role === 'sink')).toBe(true);
    }
    expect(groupInputTopics(pipeline).sort()).toEqual(['context_aggregated', 'context_vectorized', 'guardian_requests', 'user_events']);
  });

  it('stores write and read back their changelogs; every node with on_error: dead_letter writes the dead letters', () => {
    expect(pick((u) => u.role === 'changelog' && u.action === 'write')).toEqual([
      'aggregate_context write user_context-changelog changelog',
      'mood_with_activity write mood_with_activity_left-changelog changelog',
      'mood_with_activity write mood_with_activity_right-changelog changelog',
    ]);
    const dlq = uses
      .filter((u) => u.role === 'dead_letter')
      .map((u) => u.actor)
      .sort();
    expect(dlq).toEqual(
      Object.values(pipeline.nodes)
        .filter((n) => n.onError === 'dead_letter')
        .map((n) => n.id)
        .sort(),
    );
  });

  it('the gateway works with the topics gateway/replies/reply-routes.ts resolves', () => {
    const restated = { ...GATEWAY_TOPICS.publishes, ...GATEWAY_TOPICS.replies, ...GATEWAY_TOPICS.status };
    expect(restated).toEqual(DEFAULT_TOPIC_ROLES);
    const resolved = resolveTopics(pipeline);
    const gatewayTopics = new Set(uses.filter((u) => u.component === 'gateway').map((u) => u.topic));
    expect([...gatewayTopics].sort()).toEqual(
      Object.values(resolved)
        .map((t) => t!.id)
        .sort(),
    );
    expect(pick((u) => u.component === 'gateway' && u.action === 'write')).toEqual([
      'gateway write guardian_requests publish',
      'gateway write user_events publish',
    ]);
  });

  it('the header names are the ones the gateway, the engine and aura dlq replay set', () => {
    expect(Object.keys(RECORD_HEADERS).sort()).toEqual([...Object.values(GatewayHeaders), REPLAYED_FROM_HEADER].sort());
    expect(Object.keys(DEAD_LETTER_HEADERS).sort()).toEqual(Object.values(DLQ_HEADERS).sort());
  });
});
