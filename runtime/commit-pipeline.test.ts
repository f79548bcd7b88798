/**
 * The ordering rules of overlapping transactions (commit-pipeline.ts), call by
 * call, on producers whose broker calls take the time the test gives them (the
 * same rules on a real broker: commit-pipeline.kafka.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { AuraError, ErrorCodes } from '../common/errors.js';
import type { OutgoingRecord, Producer, RecordMetadata } from '../transports/types.js';
import { PREVIOUS_FAILED, TransactionPipeline, type TransactionTimings } from './commit-pipeline.js';

/** A producer that logs `<name>:<call>:start|end` and takes `delays[call]` ms per call (or fails it). */
function recordingProducer(name: string, log: string[], delays: Record<string, number>, fail?: string): Producer {
  const step = async (call: string) => {
    log.push(`${name}:${call}:start`);
    await new Promise((r) => setTimeout(r, delays[call] ?? 0));
    if (fail === call) throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `${call} failed`);
    log.push(`${name}:${call}:end`);
  };
  return {
    send: async (records: OutgoingRecord[]): Promise<RecordMetadata[]> => {
      await step('send');
      return records.map((r, i) => ({ topic: r.topic, partition: 0, offset: i }));
    },
    flush: async () => undefined,
    beginTransaction: () => step('begin'),
    sendOffsetsToTransaction: () => step('offsets'),
    commitTransaction: () => step('commit'),
    abortTransaction: () => step('abort'),
    close: async () => undefined,
  };
}

const timings = (): TransactionTimings => ({ waitPrevious: 0, send: 0, offsets: 0, waitCommit: 0, commit: 0 });
const records = [{ topic: 't', key: 'k', value: Buffer.from('v') }];
const offsets = () => [{ topic: 'in', partition: 0, offset: 1 }];
const at = (log: string[], entry: string) => {
  const i = log.indexOf(entry);
  expect(i, entry).toBeGreaterThanOrEqual(0);
  return i;
};

describe('TransactionPipeline', () => {
  it("sends N+1's records after N's were acknowledged, its offsets after N's, and commits after N, while N commits", async () => {
    const log: string[] = [];
    // N's send is slow and its commit slower: N+1 would overtake it anywhere it could.
    const a = recordingProducer('a', log, { send: 30, offsets: 20, commit: 40 });
    const b = recordingProducer('b', log, { send: 1, offsets: 1, commit: 1 });
    const pipeline = new TransactionPipeline([a, b]);
    const done: string[] = [];
    const n = pipeline.run(records, offsets, {}, timings()).then(() => done.push('n'));
    const next = pipeline.run(records, offsets, {}, timings()).then(() => done.push('n+1'));
    await Promise.all([n, next]);
    expect(done).toEqual(['n', 'n+1']);
    expect(at(log, 'b:send:start')).toBeGreaterThan(at(log, 'a:send:end'));
    expect(at(log, 'b:offsets:start')).toBeGreaterThan(at(log, 'a:offsets:end'));
    expect(at(log, 'b:commit:start')).toBeGreaterThan(at(log, 'a:commit:end'));
    // The overlap itself: N+1's records went out while N was still committing.
    expect(at(log, 'b:send:end')).toBeLessThan(at(log, 'a:commit:end'));
  });

  it('aborts N+1 when N fails, and the transaction after that too until the chain is reset', async () => {
    const log: string[] = [];
    const a = recordingProducer('a', log, { commit: 20 }, 'commit');
    const b = recordingProducer('b', log, {});
    const pipeline = new TransactionPipeline([a, b]);
    const results = await Promise.allSettled([pipeline.run(records, offsets, {}, timings()), pipeline.run(records, offsets, {}, timings())]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(((results[0] as PromiseRejectedResult).reason as Error).message).toMatch(/commit failed/);
    expect(((results[1] as PromiseRejectedResult).reason as AuraError).details?.[PREVIOUS_FAILED]).toBe(true);
    expect(log).toContain('a:abort:end');
    expect(log).toContain('b:abort:end');
    expect(log).not.toContain('b:commit:start');
    // Still chained to the failed ones: refused before it begins.
    await expect(pipeline.run(records, offsets, {}, timings())).rejects.toMatchObject({ details: { [PREVIOUS_FAILED]: true } });
    pipeline.reset(); // the engine's recovery: the next one (on b) stands on its own
    await expect(pipeline.run(records, offsets, {}, timings())).resolves.toHaveLength(1);
    expect(log.at(-1)).toBe('b:commit:end');
  });

  it('with a depth of 1, takes turns on the producers one transaction at a time', async () => {
    const log: string[] = [];
    const a = recordingProducer('a', log, { send: 5, commit: 20 });
    const b = recordingProducer('b', log, { send: 5, commit: 20 });
    const pipeline = new TransactionPipeline([a, b], 1);
    expect(pipeline.depth).toBe(1);
    // The task manager starts the next commit's second half only once the last one ended (depth 1).
    for (let n = 0; n < 3; n++) await pipeline.run(records, offsets, {}, timings());
    const begins = log.filter((e) => e.endsWith(':begin:start')).map((e) => e.split(':')[0]);
    expect(begins).toEqual(['a', 'b', 'a']);
    expect(at(log, 'b:begin:start')).toBeGreaterThan(at(log, 'a:commit:end'));
    expect(log.lastIndexOf('a:begin:start')).toBeGreaterThan(at(log, 'b:commit:end'));
  });

  it('refuses a depth below 1 or above 2 (or the number of producers)', () => {
    const a = recordingProducer('a', [], {});
    expect(() => new TransactionPipeline([a], 3)).toThrow(/between 1 and 2, not 3/);
    expect(() => new TransactionPipeline([a, a], 0)).toThrow(AuraError);
    expect(new TransactionPipeline([a, a]).depth).toBe(2);
    expect(new TransactionPipeline([a], 2).depth).toBe(2);
  });

  it('with a depth of 2 on one producer, the second transaction begins only once the first committed', async () => {
    const log: string[] = [];
    const a = recordingProducer('a', log, { send: 5, offsets: 5, commit: 20 });
    const pipeline = new TransactionPipeline([a], 2);
    // The task manager starts the second commit while the first is with the broker.
    const first = pipeline.run(records, offsets, {}, timings());
    const second = pipeline.run(records, offsets, {}, timings());
    await Promise.all([first, second]);
    const begins = log.map((e, i) => [e, i] as const).filter(([e]) => e === 'a:begin:start');
    expect(begins).toHaveLength(2);
    expect(begins[1]![1]).toBeGreaterThan(log.indexOf('a:commit:end'));
    expect(log.filter((e) => e === 'a:commit:end')).toHaveLength(2);
  });

  it('with a depth of 2 on one producer, aborts the second when the first failed', async () => {
    const log: string[] = [];
    const a = recordingProducer('a', log, { send: 5 }, 'offsets');
    const pipeline = new TransactionPipeline([a], 2);
    const first = pipeline.run(records, offsets, {}, timings()).catch((e: unknown) => e);
    const second = pipeline.run(records, offsets, {}, timings()).catch((e: unknown) => e);
    expect(await first).toBeInstanceOf(AuraError);
    const err = await second;
    expect(err).toBeInstanceOf(AuraError);
    expect((err as AuraError).details?.[PREVIOUS_FAILED]).toBe(true);
    expect(log.filter((e) => e === 'a:begin:start')).toHaveLength(1);
  });

  it('asks for a new producer when the abort fails too', async () => {
    const log: string[] = [];
    const broken = recordingProducer('a', log, {}, 'offsets');
    broken.abortTransaction = async () => {
      throw new AuraError(ErrorCodes.TRANSPORT_FAILED, 'abort failed');
    };
    const err = await new TransactionPipeline([broken]).run(records, offsets, {}, timings()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuraError);
    expect((err as AuraError).details?.replaceClient).toBe(true);
  });

  it('times each phase', async () => {
    const t = timings();
    await new TransactionPipeline([recordingProducer('a', [], { send: 15, commit: 15 })]).run(records, offsets, {}, t);
    expect(t.send).toBeGreaterThanOrEqual(10);
    expect(t.commit).toBeGreaterThanOrEqual(10);
  });
});
