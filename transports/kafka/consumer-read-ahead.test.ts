/** ReadAhead.settle: which read-ahead messages are handed out and where touched partitions are sought back to. */
import type { Message } from '@confluentinc/kafka-javascript';
import { describe, expect, it } from 'vitest';
import { partitionKey, ReadAhead, readAheadEnabled } from './consumer-read-ahead.js';

const msg = (partition: number, offset: number): Message => ({ topic: 't', partition, offset, value: null, size: 0 }) as Message;
const batch = [msg(0, 10), msg(1, 20), msg(0, 11), msg(2, 30), msg(1, 21)];
const owned = new Set([0, 1, 2].map((partition) => partitionKey({ topic: 't', partition })));

describe('ReadAhead.settle', () => {
  it('hands everything out when nothing was touched', () => {
    expect(new ReadAhead(Promise.resolve([]), 0).settle(batch, owned)).toEqual({ kept: batch, seeks: [] });
  });

  it('drops a moved partition and seeks it back to its first dropped message while it is still owned', () => {
    const ra = new ReadAhead(Promise.resolve([]), 0);
    ra.touch({ topic: 't', partition: 0 });
    ra.touch({ topic: 't', partition: 2 });
    const notOwned2 = new Set([partitionKey({ topic: 't', partition: 0 }), partitionKey({ topic: 't', partition: 1 })]);
    expect(ra.settle(batch, notOwned2)).toEqual({ kept: [msg(1, 20), msg(1, 21)], seeks: [{ topic: 't', partition: 0, offset: 10 }] });
  });

  it('a seek wins over a move, and the last seek over earlier ones; a touched partition without messages needs no seek', () => {
    const ra = new ReadAhead(Promise.resolve([]), 0);
    ra.touch({ topic: 't', partition: 1 }, { topic: 't', partition: 1, offset: 5 });
    ra.touch({ topic: 't', partition: 1 });
    ra.touch({ topic: 't', partition: 1 }, { topic: 't', partition: 1, offset: 7 });
    ra.touch({ topic: 't', partition: 3 }, { topic: 't', partition: 3, offset: 1 });
    expect(ra.settle(batch, owned)).toEqual({ kept: [msg(0, 10), msg(0, 11), msg(2, 30)], seeks: [{ topic: 't', partition: 1, offset: 7 }] });
  });

  it('is off unless AURA_KAFKA_READ_AHEAD=1', () => {
    expect(readAheadEnabled({})).toBe(false);
    expect(readAheadEnabled({ AURA_KAFKA_READ_AHEAD: '1' })).toBe(true);
    expect(readAheadEnabled({ AURA_KAFKA_READ_AHEAD: '0' })).toBe(false);
  });
});
