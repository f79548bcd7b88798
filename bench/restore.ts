/**
 * Restore of one store from its changelog into a fresh state directory
 * (target: 1,000,000 keys in < 10 s). bench/stats.yaml, one partition: its
 * `user_stats` changelog is filled with `keys` records (one per key, values
 * folded by the real aggregations, as the processor writes them), then the
 * app starts on an empty state dir and is timed from start() until the engine
 * has restored them all — the real path: task creation, runtime/restore.ts
 * (settled ends, read_committed restore consumer) and state/restore.ts
 * (SQLite batches with their checkpoint). Afterwards the task's store is
 * opened and checked: every key there, sampled values equal.
 * On the embedded log by default; on Kafka with the transport given.
 */
import fs from 'node:fs';
import path from 'node:path';
import { compileAggregations } from '../processors/aggregate/accumulators.js';
import type { AggregationConfig } from '../processors/aggregate/config.js';
import { createPipelineApp } from '../runtime/app.js';
import { openTaskState } from '../runtime/task-state-adapter.js';
import { ensureTopics } from '../runtime/topics.js';
import type { KeyValueStore } from '../state/types.js';
import { loadPipeline } from '../topology/compile.js';
import { createEmbeddedTransport } from '../transports/embedded/index.js';
import type { Transport } from '../transports/types.js';
import { produceRecords, sleep } from './common.js';
import { failureCheck, logger, tempDir } from './embedded.js';
import { makeStatsEvents } from './stats-events.js';
import { checkTarget, type TargetCheck } from './targets.js';
import { type BenchRecord, WORKLOADS } from './workloads.js';

export interface RestoreResult {
  name: string;
  keys: number;
  /** From start() until every changelog record was restored. */
  seconds: number;
  recordsPerSecond: number;
  problems: string[];
  target: { id: 'restore' } & TargetCheck;
}

/** `keys` changelog records, one per user, each the stats of one event folded by the real aggregations. */
function changelogRecords(keys: number, aggregations: Record<string, AggregationConfig>): { records: BenchRecord[]; expected: (i: number) => string } {
  const aggs = compileAggregations(aggregations);
  const events = makeStatsEvents(Math.min(keys, 10_000), 10_000, 11);
  const stateOf = (i: number): string => {
    const e = { ...events[i % events.length]!, user_id: `user-${i}` };
    return JSON.stringify(Object.fromEntries(aggs.map((a) => [a.name, a.add(undefined, e)])));
  };
  const ts = Date.now() - 60_000;
  const records = Array.from({ length: keys }, (_, i) => ({ key: `user-${i}`, value: Buffer.from(stateOf(i)), timestamp: ts }));
  return { records, expected: stateOf };
}

export async function benchRestore(o: { keys: number; transport?: Transport; label?: string }): Promise<RestoreResult> {
  const dir = tempDir();
  const run = `bench-restore-${Date.now().toString(36)}`;
  const stateDir = path.join(dir, 'state');
  const env = {
    ...process.env,
    AURA_BENCH_APP: run,
    AURA_BENCH_INPUT: `${run}.in`,
    AURA_BENCH_OUTPUT: `${run}.out`,
    AURA_STATE_DIR: stateDir,
    AURA_BENCH_PARTITIONS: '1',
    AURA_BENCH_PROCESSING: 'exactly_once',
  };
  const pipeline = loadPipeline(WORKLOADS.stats.yaml, { env });
  const transport = o.transport ?? createEmbeddedTransport({ path: path.join(dir, 'log.db') });
  try {
    await transport.connect();
    await ensureTopics(pipeline, transport.admin(), 'create', logger);
    const store = pipeline.stores.user_stats!;
    const node = Object.values(pipeline.nodes).find((n) => n.stores.includes(store.id))!;
    const { records, expected } = changelogRecords(o.keys, node.config.aggregations as Record<string, AggregationConfig>);
    await produceRecords(transport, store.changelogTopic!, 1, records, 0);
    records.length = 0;

    const app = createPipelineApp({ pipeline, transport, logger, stateDir, instanceId: 'bench', topics: 'check' });
    const started = performance.now();
    await app.start();
    const check = failureCheck(app);
    while (app.engine.metrics.restoreTotal < o.keys) {
      check();
      if (performance.now() - started > 600_000) throw new Error(`restore: ${app.engine.metrics.restoreTotal} of ${o.keys} records after 10 minutes`);
      await sleep(5);
    }
    const seconds = (performance.now() - started) / 1000;
    await app.stop();
    const problems = verifyRestoredStore(pipeline, stateDir, o.keys, expected);
    return {
      name: `restore of ${store.id} (1 partition) from its changelog into an empty state dir, ${o.label ?? 'embedded log'}`,
      keys: o.keys,
      seconds,
      recordsPerSecond: o.keys / seconds,
      problems,
      target: { id: 'restore', ...checkTarget('restore', seconds, o.keys) },
    };
  } finally {
    if (!o.transport) await transport.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Opens the restored task's state and checks the count and 1,000 sampled values. */
function verifyRestoredStore(pipeline: ReturnType<typeof loadPipeline>, stateDir: string, keys: number, expected: (i: number) => string): string[] {
  const st = pipeline.subtopologies.find((s) => s.stores.includes('user_stats'))!;
  const state = openTaskState(pipeline, st, 0, `${st.id}_0`, stateDir, Date.now);
  const problems: string[] = [];
  try {
    const kv = state.getStore('user_stats') as KeyValueStore<unknown>;
    const count = kv.approximateCount();
    if (count !== keys) problems.push(`${count} keys in the restored store, ${keys} expected`);
    for (let s = 0; s < Math.min(1000, keys); s++) {
      const i = Math.floor((s * keys) / Math.min(1000, keys));
      const got = JSON.stringify(kv.get(`user-${i}`));
      if (got !== expected(i) && problems.length < 5) problems.push(`user-${i}: restored ${got}, expected ${expected(i)}`);
    }
  } finally {
    state.close();
  }
  return problems;
}
