/**
 * The user streams on a real SQLite file: numbering, resume, bounds, restart;
 * status stages read out of order; Guardian answers whose response overtakes
 * its chunks.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AdviceTracker, type GuardianResponse } from './advice-tracker.js';
import { type StreamSocket, UserOutbox } from './outbox.js';
import { type Db, openGatewayDb } from './state-db.js';
import { StatusTracker } from './status-tracker.js';

class FakeSocket implements StreamSocket {
  sent: Array<Record<string, unknown>> = [];
  closed?: number;
  buffered = 0;
  /** Count what is sent as queued (a client that does not read) until `drain()`. */
  accumulate = false;
  send(text: string) {
    this.sent.push(JSON.parse(text));
    if (this.accumulate) this.buffered += text.length;
  }
  drain() {
    this.buffered = 0;
  }
  close(code: number) {
    this.closed = code;
  }
  bufferedAmount() {
    return this.buffered;
  }
}

describe('gateway streams', () => {
  let dir: string;
  let db: Db;
  let outbox: UserOutbox;
  const limits = { bufferPerUser: 100, ttlMs: 3_600_000, socketMaxBufferedBytes: 1000 };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-gw-streams-'));
    db = openGatewayDb(path.join(dir, 'gw.db'));
    outbox = new UserOutbox(db, limits);
  });
  afterEach(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('numbers messages per user, replays after `since`, and keeps numbering after a reopen', () => {
    for (let i = 0; i < 3; i++) outbox.append('a', { type: 't', i });
    outbox.append('b', { type: 't', i: 0 });
    const s = new FakeSocket();
    outbox.subscribe('a', s, 1);
    expect(s.sent.map((m) => m.seq)).toEqual([2, 3]);
    outbox.append('a', { type: 't', i: 3 });
    expect(s.sent.map((m) => m.seq)).toEqual([2, 3, 4]);
    outbox.saveCursors(); // as the gateway does every second and at shutdown
    db.close();
    db = openGatewayDb(path.join(dir, 'gw.db'));
    outbox = new UserOutbox(db, limits);
    expect(outbox.append('a', { type: 't' })).toBe(5);
    expect(outbox.append('b', { type: 't' })).toBe(2);
    // Without `since` a new socket gets what no socket of the user was sent yet.
    const later = new FakeSocket();
    outbox.subscribe('a', later);
    expect(later.sent.map((m) => m.seq)).toEqual([5]);
  });

  it('reports a gap beyond the buffer and a reset for unknown numbers', () => {
    for (let i = 0; i < 300; i++) outbox.append('a', { type: 't', i });
    const s = new FakeSocket();
    outbox.subscribe('a', s, 0);
    expect(s.sent[0]).toMatchObject({ type: 'stream.gap', from: 1 });
    const firstKept = s.sent[1]!.seq as number;
    expect(s.sent[0]!.to).toBe(firstKept - 1);
    expect(300 - firstKept + 1).toBeGreaterThanOrEqual(limits.bufferPerUser);
    const ahead = new FakeSocket();
    outbox.subscribe('a', ahead, 9999);
    expect(ahead.sent).toEqual([{ type: 'stream.reset', last_seq: 300 }]);
  });

  it('pauses a socket that does not read, never past its buffer, and resumes it from the store by seq', async () => {
    for (let i = 0; i < 50; i++) outbox.append('a', { type: 't', i });
    const s = new FakeSocket();
    s.accumulate = true;
    outbox.subscribe('a', s, 0);
    // The replay stops once the buffer is full (1000 bytes here), one message over at most.
    const firstBatch = s.sent.length;
    expect(firstBatch).toBeGreaterThan(0);
    expect(firstBatch).toBeLessThan(50);
    expect(s.buffered).toBeLessThan(limits.socketMaxBufferedBytes + 100);
    expect(outbox.paused()).toBe(1);
    // Live messages meanwhile are not written to it either.
    for (let i = 50; i < 60; i++) outbox.append('a', { type: 't', i });
    expect(s.sent).toHaveLength(firstBatch);
    // A client that reads again gets everything, once and in order, in as many rounds as its buffer needs.
    for (let round = 0; round < 100 && s.sent.length < 60; round++) {
      s.drain();
      await new Promise((r) => setTimeout(r, 60));
      expect(s.buffered).toBeLessThan(limits.socketMaxBufferedBytes + 100);
    }
    expect(s.sent.map((m) => m.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    s.accumulate = false;
    s.drain();
    await new Promise((r) => setTimeout(r, 60));
    expect(outbox.paused()).toBe(0);
    outbox.append('a', { type: 't', i: 60 });
    expect(s.sent.at(-1)).toMatchObject({ seq: 61, i: 60 });
    expect(s.closed).toBeUndefined();
  });

  it('discards the numbers of a batch that rolled back', () => {
    expect(() =>
      outbox.batch(() => {
        outbox.append('a', { type: 't' });
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(outbox.append('a', { type: 't' })).toBe(1);
  });

  it('emits every stage once and in order even when later stages are read first', () => {
    const seen: string[] = [];
    const status = new StatusTracker(db, outbox, (stage) => seen.push(stage));
    const s = new FakeSocket();
    outbox.subscribe('u', s, 0);
    status.publishing({ id: 'e1', userId: 'u', type: 'user.mood.created', publishedAt: Date.now() });
    outbox.batch(() => status.advance('e1', 'vectorized', { point_id: 'p' })); // overtook the ack and the aggregate
    status.received('e1');
    status.flushReceived();
    outbox.batch(() => status.advance('e1', 'aggregated'));
    outbox.batch(() => status.advance('e1', 'ingested'));
    outbox.batch(() => status.advance('e1', 'ingested')); // a duplicate
    expect(s.sent.map((m) => [m.status, m.inferred ?? false])).toEqual([
      ['received', true],
      ['aggregated', true],
      ['vectorized', false],
      ['ingested', false],
    ]);
    expect(seen).toEqual(['received', 'aggregated', 'vectorized', 'ingested']);
    outbox.batch(() => status.advance('stranger', 'aggregated'));
    status.publishing({ id: 'e2', userId: 'u', type: 'user.activity.created', publishedAt: Date.now() });
    status.received('e2');
    status.flushReceived();
    status.failed('e2', { node: 'aggregate_context', code: 'SCHEMA_VIOLATION', message: 'bad' });
    outbox.batch(() => status.advance('e2', 'aggregated'));
    expect(s.sent.slice(4).map((m) => m.status)).toEqual(['received', 'failed']);
  });

  it("gives a user's earlier acknowledged events the stage of a merged output (emit: on_commit)", () => {
    const status = new StatusTracker(db, outbox);
    const s = new FakeSocket();
    outbox.subscribe('u', s, 0);
    const t = Date.now();
    for (const [id, user, at] of [
      ['e1', 'u', t],
      ['e2', 'u', t + 1],
      ['x1', 'v', t + 1],
      ['e3', 'u', t + 2],
      ['e4', 'u', t + 3],
    ] as const) {
      status.publishing({ id, userId: user, type: 'user.mood.created', publishedAt: at });
      if (id !== 'e4') status.received(id); // e4 is published later and not acknowledged yet
    }
    status.flushReceived();
    // one context for e1..e3 (the latest carries e3's headers)
    outbox.batch(() => status.advance('e3', 'ingested', { point_id: 'p' }));
    const byEvent = (id: string) => s.sent.filter((m) => m.event_id === id).map((m) => [m.status, m.inferred ?? false]);
    expect(byEvent('e3')).toEqual([
      ['received', false],
      ['aggregated', true],
      ['vectorized', true],
      ['ingested', false],
    ]);
    for (const id of ['e1', 'e2'])
      expect(byEvent(id)).toEqual([
        ['received', false],
        ['aggregated', true],
        ['vectorized', true],
        ['ingested', true],
      ]);
    expect(byEvent('e4')).toEqual([]);
    expect(s.sent.some((m) => m.event_id === 'x1' && m.status !== 'received')).toBe(false); // another user's event
  });

  it('holds back a Guardian response until all its chunks went out', () => {
    const answered: GuardianResponse[] = [];
    const advice = new AdviceTracker(db, outbox, { firstChunk: () => undefined, final: () => undefined, answered: (r) => answered.push(r) });
    const s = new FakeSocket();
    outbox.subscribe('u', s, 0);
    advice.requested('c1', 'u', Date.now());
    const chunk = (seq: number, final = false) => ({ correlation_id: 'c1', user_id: 'u', seq, text: final ? '' : `part ${seq}`, final });
    outbox.batch(() => {
      advice.onChunk(chunk(0));
      advice.onResponse({ correlation_id: 'c1', user_id: 'u', status: 'ok', language: 'es', advice: 'part 0 part 1', chunks: 3, created_at: 1 });
    });
    expect(answered).toEqual([]);
    outbox.batch(() => {
      advice.onChunk(chunk(1));
      advice.onChunk(chunk(1)); // redelivered
      advice.onChunk(chunk(2, true));
    });
    expect(s.sent.map((m) => `${m.type}:${m.index ?? ''}`)).toEqual(['guardian.chunk:0', 'guardian.chunk:1', 'guardian.chunk:2', 'guardian.response:']);
    expect(answered.map((r) => r.correlation_id)).toEqual(['c1']);
    expect(s.sent[3]).toMatchObject({ type: 'guardian.response', status: 'ok', language: 'es', chunks: 3 }); // the answer's language travels with it
    advice.onChunk(chunk(3)); // after the answer: ignored
    advice.onChunk({ ...chunk(0), correlation_id: 'someone-else' });
    expect(s.sent).toHaveLength(4);
  });

  it('takes a chunk from the engine only when it is the next one, so a chunk it missed is never skipped over', () => {
    const advice = new AdviceTracker(db, outbox, { firstChunk: () => undefined, final: () => undefined, answered: () => undefined });
    const s = new FakeSocket();
    outbox.subscribe('u', s, 0);
    advice.requested('c2', 'u', Date.now());
    const chunk = (seq: number, final = false) => ({ correlation_id: 'c2', user_id: 'u', seq, text: `part ${seq}`, final });
    // The engine handed over chunk 1 but not chunk 0 (say, a value it could not decode): left to the log.
    advice.onChunk(chunk(1), true);
    advice.onResponse({ correlation_id: 'c2', user_id: 'u', status: 'ok', advice: 'part 0 part 1', chunks: 2, created_at: 1 });
    expect(s.sent).toEqual([]);
    // The reply consumer reads both from the log, in order; the engine's second sight of chunk 1 is a no-op.
    advice.onChunk(chunk(0));
    advice.onChunk(chunk(1, true), true);
    advice.onChunk(chunk(1, true));
    expect(s.sent.map((m) => `${m.type}:${m.index ?? ''}`)).toEqual(['guardian.chunk:0', 'guardian.chunk:1', 'guardian.response:']);
  });
});
