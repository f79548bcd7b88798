/**
 * The reply consumer handles a poll in pieces of the loop's shared slice (runtime/processing-
 * slice.ts), each one transaction with its positions: a poll of slow records does not hold the
 * event loop for all of them, and every record is still handled once, in order, with the
 * stored positions at the end of what was read — on a real embedded log and a real gateway
 * database.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/logger.js';
import { PROCESSING_SLICE_MS } from '../../runtime/processing-slice.js';
import { createEmbeddedTransport } from '../../transports/embedded/index.js';
import { UserOutbox } from '../streams/outbox.js';
import { openGatewayDb, Positions } from '../streams/state-db.js';
import { ReplyConsumer } from './reply-consumer.js';

const N = 60;
const SPIN_MS = 1;

describe('reply consumer: a poll in slices', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('handles every record once and in order, in several transactions, and keeps the timers going', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-reply-slices-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const transport = createEmbeddedTransport({ path: path.join(dir, 'log.db'), maintenanceIntervalMs: 0 });
    cleanups.push(() => transport.close());
    await transport.admin().createTopics([{ name: 'replies', partitions: 1, replication: 1, config: {} }]);
    const db = openGatewayDb(path.join(dir, 'gateway.db'));
    cleanups.push(() => void db.close());
    const outbox = new UserOutbox(db, { bufferPerUser: 1000, ttlMs: 60_000, socketMaxBufferedBytes: 1 << 20 });
    const positions = new Positions(db);
    // The first start begins at the end of the log: it is empty now, so everything sent next is read.
    const handled: number[] = [];
    let transactions = 0;
    const batch = outbox.batch.bind(outbox);
    outbox.batch = <T>(fn: () => T): T => {
      transactions++;
      return batch(fn);
    };
    const consumer = new ReplyConsumer({ transport, outbox, positions, logger: createLogger('test', 'silent'), clientId: 'slices' });
    consumer.route('replies', 1, (r) => {
      const until = performance.now() + SPIN_MS;
      while (performance.now() < until) {
        // a slow record
      }
      handled.push(Number(r.value!.toString()));
    });
    await consumer.start();
    cleanups.push(() => consumer.stop());
    const before = transactions;
    let last = performance.now();
    let gap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      gap = Math.max(gap, now - last);
      last = now;
    }, 1);
    cleanups.push(() => clearInterval(timer));
    await transport.producer({}).send(Array.from({ length: N }, (_, i) => ({ topic: 'replies', partition: 0, key: 'k', value: Buffer.from(String(i)) })));
    const until = Date.now() + 20_000;
    while (handled.length < N && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(handled).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(positions.all().get('replies:0')).toBe(N);
    // N ms of handling, a transaction per slice of it: more than one (one poll took them all).
    expect(transactions - before).toBeGreaterThanOrEqual(Math.floor((N * SPIN_MS) / (2 * PROCESSING_SLICE_MS)));
    // And a 1 ms timer kept firing well within the whole poll's handling time.
    expect(gap).toBeLessThan(N * SPIN_MS);
  });
});
