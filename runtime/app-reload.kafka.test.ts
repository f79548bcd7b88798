/**
 * A pipeline change applied in place on a real broker (testing/support/reload-scenario.ts):
 * the map's config changes while events flow; the context window's tasks keep running (the
 * same objects, never closed or restored), only the map's restart; every output of both once
 * across the reload (transactions on the broker), the window's store equal to the fold of the
 * input, and the new config in what the map writes after the reload. Then a sub-topology on a
 * new topic is added and removed: the subscription changes through incremental (cooperative)
 * rebalances that never revoke the other tasks' partitions. Names are unique per run.
 */
import fs from 'node:fs';
import { afterAll, describe, it } from 'vitest';
import { kafkaTransport, readTopic, tempDir, uniquePrefix } from '../testing/support/kafka-harness.js';
import { addedAndRemovedScenario, decoded, inPlaceReloadScenario, reloadPipelines } from '../testing/support/reload-scenario.js';

describe('a pipeline change applied in place on Kafka', () => {
  const prefix = uniquePrefix('reload');
  const stateDir = tempDir('aura-reload-kafka');
  const transport = kafkaTransport();

  afterAll(async () => {
    const names = [prefix, `${prefix}-add`].flatMap((p) => {
      const pipeline = reloadPipelines(p, stateDir).compile(1);
      return [...Object.values(pipeline.topics).map((t) => t.name), ...Object.values(pipeline.stores).flatMap((s) => s.changelogTopic ?? [])];
    });
    await transport
      .admin()
      .deleteTopics(names)
      .catch(() => undefined);
    await transport.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('keeps the unchanged sub-topology running untouched and exactly-once, restarts the changed one with its new config', async () => {
    const read = async (topic: string) => decoded(await readTopic(transport, topic, 2));
    await inPlaceReloadScenario({ transport, prefix, stateDir, read, settleMs: 60_000 });
  }, 180_000);

  it('adds a sub-topology on a new topic and removes it again through incremental rebalances; the other tasks are never revoked', async () => {
    await addedAndRemovedScenario({ transport, prefix: `${prefix}-add`, stateDir: `${stateDir}/add`, settleMs: 60_000 });
  }, 180_000);
});
