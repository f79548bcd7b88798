/**
 * Per-user message streams. Every message a user's sockets receive (event
 * status, Guardian chunks and answers) gets the next sequence number of that
 * user and is stored before it is sent, so a client that reconnects with
 * `?since=<seq>` gets exactly what it missed — also across a gateway restart.
 * The last `bufferPerUser` messages (and at most `ttlMs` old) are kept.
 * Each socket is a Subscription (subscription.ts): written to only while its
 * buffer has room, paused and resumed from the store by seq otherwise.
 */
import type { Db } from './state-db.js';
import { type StreamSocket, type StreamSource, Subscription } from './subscription.js';

export type { StreamSocket } from './subscription.js';

export interface OutboxLimits {
  bufferPerUser: number;
  ttlMs: number;
  socketMaxBufferedBytes: number;
}

/** Delete a user's oldest messages every this many appends (not on every one). */
const TRIM_EVERY = 64;

export class UserOutbox {
  private readonly lastSeq = new Map<string, number>();
  private readonly delivered = new Map<string, number>();
  private readonly subs = new Map<string, Set<Subscription>>();
  private readonly dirtyCursors = new Set<string>();
  private pending: Array<{ user: string; seq: number; text: string }> = [];
  private depth = 0;
  private readonly tx: (fn: () => unknown) => unknown;
  private readonly stmt;
  /** What subscriptions read: the stored messages, the last seq, the delivery cursor. */
  private readonly source: StreamSource = {
    page: (user, after, limit) => this.stmt.page.all(user, after, limit),
    lastSeqOf: (user) => this.lastSeqOf(user),
    markDelivered: (user, seq) => this.markDelivered(user, seq),
  };

  constructor(
    db: Db,
    private readonly limits: OutboxLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.tx = db.transaction((fn: () => unknown) => fn());
    this.stmt = {
      insert: db.prepare<[string, number, number, string]>('INSERT INTO outbox (user_id, seq, at, msg) VALUES (?, ?, ?, ?)'),
      maxSeq: db.prepare<[string], { s: number | null }>('SELECT max(seq) AS s FROM outbox WHERE user_id = ?'),
      trim: db.prepare<[string, number]>('DELETE FROM outbox WHERE user_id = ? AND seq <= ?'),
      page: db.prepare<[string, number, number], { seq: number; msg: string }>(
        'SELECT seq, msg FROM outbox WHERE user_id = ? AND seq > ? ORDER BY seq LIMIT ?',
      ),
      cursor: db.prepare<[string], { delivered: number }>('SELECT delivered FROM cursors WHERE user_id = ?'),
      saveCursor: db.prepare<[string, number]>(
        'INSERT INTO cursors (user_id, delivered) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET delivered = max(delivered, excluded.delivered)',
      ),
      purge: db.prepare<[number]>('DELETE FROM outbox WHERE at < ?'),
    };
  }

  /** Runs `fn` in one transaction; messages appended inside reach sockets once it committed. */
  batch<T>(fn: () => T): T {
    this.depth++;
    let out: T;
    try {
      out = this.tx(fn) as T;
    } catch (err) {
      if (--this.depth === 0) {
        // The rows are gone with the rollback: forget the numbers handed out meanwhile.
        for (const p of this.pending) this.lastSeq.delete(p.user);
        this.pending = [];
      }
      throw err;
    }
    if (--this.depth === 0) this.deliver();
    return out;
  }

  /** Stores the next message of `user` (inside `batch`, or in its own). Returns its sequence number. */
  append(user: string, body: Record<string, unknown>): number {
    if (this.depth === 0) return this.batch(() => this.append(user, body));
    const seq = this.lastSeqOf(user) + 1;
    this.lastSeq.set(user, seq);
    const text = JSON.stringify({ seq, ...body });
    this.stmt.insert.run(user, seq, this.now(), text);
    if (seq % TRIM_EVERY === 0 && seq > this.limits.bufferPerUser) this.stmt.trim.run(user, seq - this.limits.bufferPerUser);
    this.pending.push({ user, seq, text });
    return seq;
  }

  lastSeqOf(user: string): number {
    let seq = this.lastSeq.get(user);
    if (seq === undefined) {
      seq = this.stmt.maxSeq.get(user)?.s ?? this.deliveredOf(user);
      this.lastSeq.set(user, seq);
    }
    return seq;
  }

  /**
   * Attaches a socket: first what it missed (after `since`, or after what this user's sockets
   * were last sent), then live messages. Returns the detach function.
   */
  subscribe(user: string, socket: StreamSocket, since?: number): () => void {
    const last = this.lastSeqOf(user);
    let from = since ?? this.deliveredOf(user);
    if (from > last) {
      // The client knows numbers this instance never gave out (its state was lost): start over.
      socket.send(JSON.stringify({ type: 'stream.reset', last_seq: last }));
      from = last;
    }
    const sub = new Subscription(user, socket, from, this.source, this.limits.socketMaxBufferedBytes);
    let set = this.subs.get(user);
    if (!set) this.subs.set(user, (set = new Set()));
    set.add(sub);
    sub.pump();
    return () => {
      sub.close();
      this.saveCursors();
      set.delete(sub);
      if (set.size === 0 && this.subs.get(user) === set) this.subs.delete(user);
    };
  }

  clients(): number {
    let n = 0;
    for (const set of this.subs.values()) n += set.size;
    return n;
  }

  /** Sockets whose stream is paused because they do not take more (for tests and metrics). */
  paused(): number {
    let n = 0;
    for (const set of this.subs.values()) for (const sub of set) if (sub.paused) n++;
    return n;
  }

  /** Drops messages older than the TTL (run now and then). */
  purgeExpired(): number {
    return this.stmt.purge.run(this.now() - this.limits.ttlMs).changes;
  }

  private deliveredOf(user: string): number {
    let d = this.delivered.get(user);
    if (d === undefined) {
      d = this.stmt.cursor.get(user)?.delivered ?? 0;
      this.delivered.set(user, d);
    }
    return d;
  }

  private markDelivered(user: string, seq: number): void {
    if (seq <= (this.delivered.get(user) ?? 0)) return;
    this.delivered.set(user, seq);
    this.dirtyCursors.add(user);
  }

  /**
   * Persists what was sent to each user's sockets (read by a reconnect without `since`). Lazy — on a
   * timer and at shutdown — since losing the last second only means re-sending it to such a client.
   */
  saveCursors(): void {
    if (this.dirtyCursors.size === 0) return;
    const users = [...this.dirtyCursors];
    this.dirtyCursors.clear();
    this.tx(() => {
      for (const u of users) this.stmt.saveCursor.run(u, this.delivered.get(u)!);
    });
  }

  private deliver(): void {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const sent = new Map<string, number>();
    const corked = new Set<StreamSocket>();
    for (const { user, seq, text } of batch) {
      const set = this.subs.get(user);
      if (!set) continue;
      for (const sub of set) {
        // Not now (paused, behind, full): its pump sends it from the store, in order.
        if (!sub.accepts(seq)) continue;
        if (sub.socket.cork && !corked.has(sub.socket)) {
          sub.socket.cork();
          corked.add(sub.socket);
        }
        sub.socket.send(text);
        sub.sent = seq;
        sent.set(user, seq);
      }
    }
    for (const socket of corked) socket.uncork?.();
    for (const [user, seq] of sent) this.markDelivered(user, seq);
  }
}
