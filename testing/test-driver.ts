/**
 * TopologyTestDriver for pipeline authors' own tests, like Kafka Streams'
 * (pipe input, read output, inspect stores, advance time) — but it runs the
 * real engine on the embedded log, over every partition, so what a test sees
 * is what `aura run` does. Wall-clock time is a manual clock the test moves.
 *
 *   const driver = await TopologyTestDriver.fromFile('pipeline.yaml');
 *   await driver.pipeInput('user_events', [{ key: 'u1', value: event }]);
 *   driver.readOutput('context_aggregated');   // [{ key, value, partition, ... }]
 *   driver.readKeyValueStore('user_context');  // { u1: {...} }
 *   await driver.close();
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../common/logger.js';
import type { ProcessorRegistry } from '../processors/registry.js';
import { createPipelineApp, type PipelineApp } from '../runtime/app.js';
import { ManualClock } from '../runtime/clock.js';
import { decodeValue, encodeValue } from '../runtime/serde.js';
import type { KeyValueStore, SessionStore, WindowStore } from '../state/types.js';
import { loadPipeline } from '../topology/compile.js';
import type { Pipeline } from '../topology/model.js';
import { createEmbeddedTransport } from '../transports/embedded/index.js';
import type { Consumer, Headers, Transport } from '../transports/types.js';

export interface TestInput {
  key: string | null;
  value: unknown;
  timestamp?: number;
  headers?: Headers;
}

export interface TestOutput {
  key: string | null;
  value: unknown;
  timestamp: number;
  partition: number;
  offset: number;
  headers: Headers;
}

export interface TestDriverOptions {
  env?: Record<string, string | undefined>;
  /** Resource instances by id (e.g. a hashing embedder instead of MiniLM). */
  resources?: Record<string, unknown>;
  /** Start of the manual wall clock (default: now). Record timestamps far in the past fall to topic retention, as on Kafka. */
  startTime?: number;
  /** Processor types beyond the built-in ones (`builtinProcessors.with(myType)`): used to compile (`fromFile`) and to run. */
  processors?: ProcessorRegistry;
}

export class TopologyTestDriver {
  readonly clock: ManualClock;
  private readonly reader: Consumer;
  private readonly read = new Map<string, number>();

  private constructor(
    readonly pipeline: Pipeline,
    readonly transport: Transport,
    readonly app: PipelineApp,
    private readonly dir: string,
    clock: ManualClock,
  ) {
    this.clock = clock;
    this.reader = transport.consumer({ isolation: 'read_committed' });
  }

  static async fromFile(file: string, options: TestDriverOptions = {}): Promise<TopologyTestDriver> {
    return TopologyTestDriver.create(loadPipeline(file, { env: options.env ?? process.env, processors: options.processors }), options);
  }

  static async create(pipeline: Pipeline, options: TestDriverOptions = {}): Promise<TopologyTestDriver> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-driver-'));
    const transport = createEmbeddedTransport({ path: path.join(dir, 'log.db') });
    const clock = new ManualClock(options.startTime ?? Date.now());
    const app = createPipelineApp({
      pipeline,
      transport,
      clock,
      logger: createLogger('aura-test-driver', process.env.AURA_LOG_LEVEL ?? 'silent'),
      stateDir: path.join(dir, 'state'),
      instanceId: 'test-driver',
      pollTimeoutMs: 5,
      resources: { overrides: options.resources },
      // Values in and out are plain JSON here whatever a topic's format (json_sr/avro are tested on the wire).
      registry: false,
      processors: options.processors,
    });
    await app.start();
    const driver = new TopologyTestDriver(pipeline, transport, app, dir, clock);
    await driver.settle();
    return driver;
  }

  /** Produces records to an input topic (by id) and waits until the pipeline has processed everything. */
  async pipeInput(topicId: string, records: TestInput[]): Promise<void> {
    const topic = this.topic(topicId);
    const producer = this.transport.producer({});
    await producer.send(
      records.map((r) => ({
        topic: topic.name,
        partition: r.key === null ? 0 : this.transport.partitionFor(r.key, topic.partitions),
        key: r.key,
        value: encodeValue(r.value),
        timestamp: r.timestamp ?? this.clock.now(),
        headers: r.headers ?? {},
      })),
    );
    await producer.close();
    await this.settle();
  }

  /** Moves the wall clock (wall-clock punctuations fire) and waits for the pipeline to settle. */
  async advanceWallClock(ms: number): Promise<void> {
    const now = this.clock.advance(ms);
    // The engine fires wall-clock punctuations between polls. A probe scheduled last on each task's
    // last scope fires in the same round, after the task's own due punctuations: once every probe
    // has fired, those have run (settling alone could return before the engine's next round).
    const tasks = [...this.app.engine.tasks.values()];
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('test driver: wall-clock punctuations did not run in time')), 20_000);
    });
    await Promise.race([
      Promise.all(
        tasks.map(
          (task) =>
            new Promise<void>((resolve) => {
              const probe = task.scopes.at(-1)!.punctuations.schedule(1, 'wall_clock', now - 1, () => {
                probe.cancel();
                resolve();
              });
            }),
        ),
      ),
      this.app.engine.done,
      timeout,
    ]).finally(() => clearTimeout(timer));
    await this.settle();
  }

  /** New records of an output topic (by id) since the last read, in partition then offset order. */
  async readOutput(topicId: string): Promise<TestOutput[]> {
    const topic = this.topic(topicId);
    const out: TestOutput[] = [];
    const ends = await this.reader.endOffsets(range(topic.partitions).map((p) => ({ topic: topic.name, partition: p })));
    for (const end of ends) {
      const k = `${end.topic}:${end.partition}`;
      let next = this.read.get(k) ?? 0;
      if (next >= end.offset) continue;
      await this.reader.assign([{ topic: end.topic, partition: end.partition, offset: next }]);
      while (next < end.offset) {
        const batch = await this.reader.poll(10_000, 50);
        if (batch.length === 0 && (this.reader.position(end) ?? next) >= end.offset) break;
        for (const r of batch) {
          if (r.offset >= end.offset) continue;
          out.push({ key: r.key, value: decodeOrRaw(r.value), timestamp: r.timestamp, partition: r.partition, offset: r.offset, headers: r.headers });
        }
        next = Math.max(next, this.reader.position(end) ?? next, (batch.at(-1)?.offset ?? next - 1) + 1);
      }
      this.read.set(k, next);
    }
    await this.reader.unassign();
    return out;
  }

  /** A key-value store's content across all tasks: key → value. */
  readKeyValueStore<V = unknown>(storeId: string): Record<string, V> {
    const out: Record<string, V> = {};
    for (const task of this.tasksOwning(storeId)) {
      for (const [k, v] of (task.options.state.getStore(storeId) as KeyValueStore<V>).all()) out[k] = v;
    }
    return out;
  }

  readWindowStore<V = unknown>(storeId: string): Array<{ key: string; windowStart: number; value: V }> {
    return this.tasksOwning(storeId).flatMap((t) =>
      (t.options.state.getStore(storeId) as WindowStore<V>).fetchAll(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    );
  }

  /** The sessions of `key` in a session store (a session store is read per key), oldest first. */
  readSessionStore<V = unknown>(storeId: string, key: string): Array<{ key: string; start: number; end: number; value: V }> {
    return this.tasksOwning(storeId).flatMap((t) =>
      (t.options.state.getStore(storeId) as SessionStore<V>).findSessions(key, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    );
  }

  /** Waits until every source topic is consumed and committed by the pipeline and its lanes are idle. */
  async settle(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const group = this.transport.consumer({ groupId: this.pipeline.app, isolation: 'read_committed' });
    const tps = this.pipeline.subtopologies.flatMap((st) =>
      [...st.sourceTopics, ...st.tableTopics].flatMap((id) =>
        range(this.pipeline.topics[id]!.partitions).map((p) => ({ topic: this.pipeline.topics[id]!.name, partition: p })),
      ),
    );
    let stableRounds = 0;
    try {
      while (stableRounds < 2) {
        if (this.app.engine.state === 'failed') await this.app.engine.done;
        if (Date.now() > deadline) throw new Error('test driver: the pipeline did not settle in time');
        const ends = await group.endOffsets(tps);
        const committed = await group.committed(tps);
        const caughtUp = ends.every((e, i) => e.offset <= Math.max(0, committed[i]!.offset));
        const idle = [...this.app.engine.tasks.values()].every((t) => t.inflight() === 0);
        stableRounds = caughtUp && idle ? stableRounds + 1 : 0;
        await new Promise((r) => setTimeout(r, 10));
      }
    } finally {
      await group.close();
    }
  }

  async close(): Promise<void> {
    await this.reader.close();
    await this.app.stop();
    await this.transport.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private topic(id: string) {
    const t = this.pipeline.topics[id];
    if (!t) throw new Error(`unknown topic id "${id}" (known: ${Object.keys(this.pipeline.topics).join(', ')})`);
    return t;
  }

  private tasksOwning(storeId: string) {
    return [...this.app.engine.tasks.values()].filter((t) => t.options.subtopology.stores.includes(storeId));
  }
}

/** Dead letters keep the original bytes, which may not be JSON at all. */
function decodeOrRaw(value: Buffer | null): unknown {
  try {
    return decodeValue(value);
  } catch {
    return value?.toString('utf8') ?? null;
  }
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
