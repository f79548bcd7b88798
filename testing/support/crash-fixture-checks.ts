/**
 * The exactly-once check of the crash fixture (runtime/fixtures/crash.yaml) on a real broker,
 * shared by the Kafka tests that kill and restart `aura run`: every output once for a
 * read_committed reader (versions 1..n per user, one per input), and the store's changelog
 * folds to the fold of the input (version and the last 20 event ids per user).
 */
import { expect } from 'vitest';
import { decodeValue } from '../../runtime/serde.js';
import type { Pipeline } from '../../topology/model.js';
import type { KafkaTransport } from '../../transports/kafka/index.js';
import { foldChangelog } from './changelog.js';
import type { UserEvent } from './events.js';
import { readTopic } from './kafka-harness.js';

export async function expectCrashFixtureExactlyOnce(transport: KafkaTransport, pipeline: Pipeline, events: UserEvent[]): Promise<void> {
  const perUser = new Map<string, UserEvent[]>();
  for (const e of events) perUser.set(e.user_id, [...(perUser.get(e.user_id) ?? []), e]);
  const out = pipeline.topics.context_aggregated!;
  const versions = new Map<string, number[]>();
  const outputs = await readTopic(transport, out.name, out.partitions);
  for (const r of outputs) {
    const v = decodeValue(r.value) as { user_id: string; version: number };
    versions.set(v.user_id, [...(versions.get(v.user_id) ?? []), v.version]);
  }
  expect(outputs).toHaveLength(events.length);
  for (const [user, list] of perUser) expect(versions.get(user), user).toEqual(list.map((_, i) => i + 1));
  const changelog = pipeline.topics['user_context-changelog']!;
  const folded = foldChangelog<{ version: number; events: Array<{ id: string }> }>(
    await readTopic(transport, changelog.name, changelog.partitions),
    decodeValue,
  );
  expect(folded.size).toBe(perUser.size);
  for (const [user, list] of perUser) {
    expect(folded.get(user)!.version, user).toBe(list.length);
    expect(folded.get(user)!.events.map((e) => e.id)).toEqual(list.slice(-20).map((e) => e.id));
  }
}
