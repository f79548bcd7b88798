/** The load test's stream checker catches what it must: gaps, repeats, wrong order, missing or doubled finals. */
import { describe, expect, it } from 'vitest';
import type { StreamMessage } from '../../testing/support/ws-client.js';
import { checkStream } from './check-stream.js';

const status = (seq: number, event_id: string, s: string): StreamMessage => ({ seq, type: 'event.status', event_id, status: s });
const chunk = (seq: number, cid: string, index: number, final = false): StreamMessage => ({ seq, type: 'guardian.chunk', correlation_id: cid, index, final });
const answer = (seq: number, cid: string, chunks: number): StreamMessage => ({ seq, type: 'guardian.response', correlation_id: cid, status: 'ok', chunks });
const good = (): StreamMessage[] => [
  { type: 'hello' },
  status(1, 'e', 'received'),
  chunk(2, 'c', 0),
  status(3, 'e', 'aggregated'),
  chunk(4, 'c', 1, true),
  answer(5, 'c', 2),
  status(6, 'e', 'vectorized'),
  status(7, 'e', 'ingested'),
];

describe('checkStream', () => {
  it('accepts a complete, ordered stream', () => {
    const c = checkStream(good(), ['e'], ['c']);
    expect(c.problems).toEqual([]);
    expect([c.ingested.size, c.firstChunk.size, c.final.size]).toEqual([1, 1, 1]);
  });

  it('reports a gap, a repeat, stages out of order and a missing stage', () => {
    const gap = good().filter((m) => m.seq !== 4);
    expect(checkStream(gap, ['e'], ['c']).problems.join()).toMatch(/seq 5 at position 3.*chunks 0 for 2/);
    const swapped = good();
    [swapped[3]!.status, swapped[6]!.status] = ['vectorized', 'aggregated'];
    expect(checkStream(swapped, ['e'], ['c']).problems).toEqual(['event e: statuses received→vectorized→aggregated→ingested']);
    expect(checkStream(good().slice(0, 7), ['e'], ['c']).problems).toEqual(['event e: statuses received→aggregated→vectorized']);
  });

  it('reports a final message before the last chunk or twice', () => {
    const early = [...good().slice(0, 3), answer(3, 'c', 2), chunk(4, 'c', 1, true)];
    expect(checkStream(early, [], ['c']).problems).toEqual(['advice c: no final message last (3 messages)']);
    const twice = [...good(), answer(8, 'c', 2)];
    expect(checkStream(twice, ['e'], ['c']).problems).toEqual(['advice c: 2 final messages']);
    expect(checkStream([...good(), { type: 'stream.gap', from: 1, to: 2 }], ['e'], ['c']).problems).toEqual(['unexpected stream.gap']);
  });
});
