/**
 * Commit when it pays: at once when the input is drained (not only every
 * commit_interval), never sooner than the minimum gap after the previous one,
 * every commit_interval under sustained input, at once when buffers are full. The rule on its own, then the engine
 * on the embedded log with a commit_interval of a minute: a record's output is
 * visible within milliseconds, and a steady trickle of records does not turn
 * into a commit per record.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import { makeEvents } from '../testing/support/events.js';
import { loadPipeline } from '../topology/compile.js';
import { createEmbeddedTransport } from '../transports/embedded/index.js';
import { createPipelineApp } from './app.js';
import { CATCH_UP_FACTOR, CommitPolicy, DEFAULT_COMMIT_MIN_GAP_MS, MAX_BUFFERED, MAX_BUFFERED_BYTES, MAX_CATCH_UP_MS } from './commit-policy.js';
import { encodeValue } from './serde.js';
import type { Task } from './task.js';

/** What the policy reads of a task. */
function task(o: { uncommitted?: boolean; buffered?: number; bytes?: number; needsFlush?: boolean }): Task {
  return {
    hasUncommitted: () => o.uncommitted ?? false,
    collector: { size: o.buffered ?? 0, bytes: o.bytes ?? 0 },
    options: { state: { needsFlush: () => o.needsFlush ?? false } },
  } as unknown as Task;
}

describe('CommitPolicy', () => {
  let now = 1000;
  const policy = () => new CommitPolicy(100, 10, () => now);

  it('commits nothing when nothing was processed, whatever the time', () => {
    const p = policy();
    now += 10_000;
    expect(p.pending([task({})])).toBe('none');
    expect(p.due([task({})], true)).toBe(false);
    expect(p.waitBound([task({})], 50)).toBe(50);
  });

  it('commits at once when the input is drained, at most once per minimum gap', () => {
    const p = policy();
    const dirty = [task({ uncommitted: true })];
    expect(p.due(dirty, true)).toBe(false); // the previous commit started 0 ms ago
    expect(p.waitBound(dirty, 50)).toBe(10);
    now += 10;
    expect(p.due(dirty, true)).toBe(true);
    expect(p.due(dirty, false)).toBe(false); // more to read: wait for the interval
    expect(p.waitBound(dirty, 50)).toBe(0);
    p.started();
    now += 4;
    expect(p.due(dirty, true)).toBe(false);
    expect(p.waitBound(dirty, 50)).toBe(6);
  });

  it('commits every commit_interval while records keep coming, and at once when buffers are full', () => {
    const p = policy();
    p.started();
    now += 99;
    expect(p.due([task({ uncommitted: true })], false)).toBe(false);
    now += 1;
    expect(p.due([task({ uncommitted: true })], false)).toBe(true);
    const q = policy();
    expect(q.pending([task({ buffered: MAX_BUFFERED / 2 }), task({ buffered: MAX_BUFFERED / 2 })])).toBe('full');
    expect(q.due([task({ buffered: MAX_BUFFERED / 2 }), task({ buffered: MAX_BUFFERED / 2 })], false)).toBe(true);
    expect(q.due([task({ needsFlush: true })], false)).toBe(true);
    expect(q.pending([task({ buffered: 10, bytes: MAX_BUFFERED_BYTES - 1 })])).toBe('some');
    expect(q.pending([task({ buffered: 10, bytes: MAX_BUFFERED_BYTES / 2 }), task({ buffered: 10, bytes: MAX_BUFFERED_BYTES / 2 })])).toBe('full');
  });

  it('after a first half that kept processing waiting, lets processing run CATCH_UP_FACTOR times as long before the next commit under sustained input', () => {
    const p = policy();
    const dirty = [task({ uncommitted: true })];
    p.started();
    now += 2_000; // the lanes drained for 2 s (an embedder behind)
    p.prepared();
    now += 150;
    expect(p.due(dirty, false)).toBe(false); // the interval passed long ago, but processing ran 150 ms only
    expect(p.due(dirty, true)).toBe(true); // drained input still commits at once
    now += CATCH_UP_FACTOR * 2_000 - 151;
    expect(p.due(dirty, false)).toBe(false);
    now += 1;
    expect(p.due(dirty, false)).toBe(true);
    expect(p.due([task({ needsFlush: true })], false)).toBe(true); // full buffers do not wait either
    // A short first half changes nothing: the interval rules.
    p.started();
    now += 3;
    p.prepared();
    now += 97;
    expect(p.due(dirty, false)).toBe(true);
    // A very slow one is caught up with for MAX_CATCH_UP_MS at most.
    p.started();
    now += MAX_CATCH_UP_MS;
    p.prepared();
    now += MAX_CATCH_UP_MS - 1;
    expect(p.due(dirty, false)).toBe(false);
    now += 1;
    expect(p.due(dirty, false)).toBe(true);
  });

  it('expects a commit in progress to take about as long as the last one', () => {
    const p = policy();
    p.started();
    now += 30;
    p.ended(30);
    p.started();
    now += 12;
    expect(p.expectedRemainingMs()).toBe(18);
    now += 40;
    expect(p.expectedRemainingMs()).toBe(1);
  });
});

describe('the engine commits when the input is drained', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('makes an output visible within milliseconds with a commit_interval of a minute, and does not commit per record under a steady trickle', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-commit-idle-'));
    dirs.push(dir);
    const source = fs.readFileSync(path.resolve(import.meta.dirname, 'fixtures/crash.yaml'), 'utf8').replace('commit_interval: 50ms', 'commit_interval: 1m');
    const file = path.join(dir, 'pipeline.yaml');
    fs.writeFileSync(file, source);
    const pipeline = loadPipeline(file, { env: { AURA_STATE_DIR: dir } });
    expect(pipeline.defaults.commitIntervalMs).toBe(60_000);
    const transport = createEmbeddedTransport({ path: path.join(dir, 'log.db'), maintenanceIntervalMs: 0 });
    const app = createPipelineApp({ pipeline, transport, logger: createLogger('commit-idle', 'warn'), stateDir: dir, instanceId: 'i1' });
    try {
      await app.start();
      const input = pipeline.topics.user_events!;
      const output = pipeline.topics.context_aggregated!;
      const producer = transport.producer({});
      const reader = transport.consumer({ isolation: 'read_committed' });
      await reader.assign(Array.from({ length: output.partitions }, (_, p) => ({ topic: output.name, partition: p, offset: 0 })));
      const events = makeEvents(400, 20, 3);
      const send = (i: number) => producer.send([{ topic: input.name, key: events[i]!.user_id, value: encodeValue(events[i]), timestamp: Date.now() }]);

      // One record: visible long before a minute (the poll after it finds nothing more: commit).
      const t0 = performance.now();
      await send(0);
      let got = await reader.poll(10, 5_000);
      while (got.length === 0 && performance.now() - t0 < 5_000) got = await reader.poll(10, 100);
      expect(got).toHaveLength(1);
      expect(performance.now() - t0).toBeLessThan(1_000);

      // A record every 2 ms for about 0.8 s: each output visible soon after its input, with far
      // fewer commits than records (the gap bounds the rate) yet more than the interval would give.
      const metrics = app.engine.metrics;
      const commitsBefore = metrics.commitTotal;
      const started = performance.now();
      for (let i = 1; i < events.length; i++) {
        await send(i);
        await new Promise((r) => setTimeout(r, 2));
      }
      const seconds = (performance.now() - started) / 1000;
      let seen = 1;
      const deadline = performance.now() + 10_000;
      while (seen < events.length && performance.now() < deadline) seen += (await reader.poll(1000, 100)).length;
      expect(seen).toBe(events.length);
      const commits = metrics.commitTotal - commitsBefore;
      expect(commits).toBeGreaterThan(5);
      expect(commits).toBeLessThanOrEqual(Math.ceil((seconds * 1000) / DEFAULT_COMMIT_MIN_GAP_MS) + 2);
      expect(commits).toBeLessThan(events.length);
      // Publish → committed output: tens of milliseconds at most, on any machine this test runs on.
      expect(metrics.committedE2eLatency.quantileMs(0.5)).toBeLessThanOrEqual(50);
      await producer.close();
      await reader.close();
    } finally {
      await app.stop();
      await transport.close();
    }
  }, 60_000);
});
