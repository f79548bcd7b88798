/**
 * The committer's second half, with recording producers and a task reduced to what a commit
 * touches: when the `delivery: immediate` records are flushed, and when the outputs are handed
 * over (engine.onReadable) relative to the transaction and to local state.
 */
import { describe, expect, it } from 'vitest';
import { AuraError, ErrorCodes } from '../common/errors.js';
import type { Consumer, OutgoingRecord, Producer, RecordMetadata } from '../transports/types.js';
import { Committer, type PreparedCommit } from './commit.js';
import { EngineMetrics } from './metrics.js';
import type { Task } from './task.js';

function producer(log: string[], sendMs = 0, fail?: string): Producer {
  const step = async (call: string, ms = 0) => {
    log.push(`${call}:start`);
    await new Promise((r) => setTimeout(r, ms));
    if (fail === call) throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `${call} failed`);
    log.push(`${call}:end`);
  };
  return {
    send: async (records: OutgoingRecord[]): Promise<RecordMetadata[]> => {
      await step('send', sendMs);
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

const consumer = (log: string[]) => ({ groupMetadata: () => ({}), commit: async () => void log.push('consumer-commit') }) as unknown as Consumer;

function prepared(log: string[]): PreparedCommit {
  const task = { options: { state: { completeCommit: () => void log.push('state') } } } as unknown as Task;
  return {
    started: performance.now(),
    parts: [{ task, changelog: 0, consumed: [{ topic: 'in', partition: 0, offset: 3 }] }],
    records: [{ topic: 'out', partition: 0, key: 'k', value: Buffer.from('v'), timestamp: Date.now() }],
    changelogCount: 0,
  };
}

describe('Committer.complete', () => {
  for (const exactlyOnce of [true, false]) {
    const mode = exactlyOnce ? 'exactly-once' : 'at-least-once';

    it(`${mode}: flushes immediate records alongside the send, acknowledged before any offset; hands the outputs over before local state`, async () => {
      const log: string[] = [];
      const flush = async () => {
        log.push('immediate:start');
        await new Promise((r) => setTimeout(r, 30));
        log.push('immediate:end');
      };
      const committer = new Committer(exactlyOnce, [producer(log, 5)], consumer(log), new EngineMetrics(), flush);
      await committer.complete(prepared(log), () => log.push('visible'));
      const i = (e: string) => {
        expect(log, e).toContain(e);
        return log.indexOf(e);
      };
      expect(i('send:start')).toBeLessThan(i('immediate:end')); // the records do not wait for it
      const offsetsCommitted = exactlyOnce ? i('offsets:start') : i('consumer-commit');
      expect(i('immediate:end')).toBeLessThan(offsetsCommitted);
      if (exactlyOnce) expect(i('commit:end')).toBeLessThan(i('visible'));
      else expect(i('send:end')).toBeLessThan(i('visible'));
      expect(i('visible')).toBeLessThan(i('state'));
    });

    it(`${mode}: a failed immediate flush fails the commit; nothing is handed over, no offset committed`, async () => {
      const log: string[] = [];
      const flush = async () => {
        throw new AuraError(ErrorCodes.TRANSPORT_FAILED, 'immediate send failed');
      };
      const committer = new Committer(exactlyOnce, [producer(log)], consumer(log), new EngineMetrics(), flush);
      await expect(committer.complete(prepared(log), () => log.push('visible'))).rejects.toThrow('immediate send failed');
      expect(log).not.toContain('visible');
      expect(log).not.toContain('state');
      expect(log.some((e) => e.startsWith('offsets') || e === 'consumer-commit' || e.startsWith('commit'))).toBe(false);
    });
  }

  it('does not hand over the outputs of a transaction that failed', async () => {
    const log: string[] = [];
    const committer = new Committer(true, [producer(log, 0, 'commit')], consumer(log), new EngineMetrics());
    await expect(committer.complete(prepared(log), () => log.push('visible'))).rejects.toThrow('commit failed');
    expect(log).not.toContain('visible');
    expect(log).toContain('abort:end');
  });
});
