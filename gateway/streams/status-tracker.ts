/**
 * Processing status of the events this instance published:
 * received → aggregated → vectorized → ingested (or failed), each a message on
 * the user's stream with the time the gateway saw it. The stages are read from
 * three topics, which a lagging consumer may see in any order; since a later
 * stage implies the earlier ones, a stage seen first also emits the missing
 * earlier ones (marked `inferred`), and an earlier one seen late is dropped.
 * The stage reached is stored with the messages, so a restart neither repeats
 * nor skips one.
 */
import { EVENT_STAGES } from '../../schemas/ws/stream-messages.js';
import type { UserOutbox } from './outbox.js';
import type { Db } from './state-db.js';

/** The stages of the `event.status` messages (schemas/ws/stream-messages.ts). */
export const STAGES = EVENT_STAGES;
export type Stage = (typeof STAGES)[number];
const FINAL = STAGES.length - 1;

export interface PublishedEvent {
  id: string;
  userId: string;
  type: string;
  publishedAt: number;
}

/**
 * A user's events published up to a time and not yet at a stage: an output that stands for
 * several events brings them along. Served by the index event_status_user (state-db.ts): without
 * it every such output scanned all events in flight (~0.7 s of the event loop in a 100-user
 * Kafka load run with a backlog, docs/benchmarks.md).
 */
export const EARLIER_EVENTS_SQL =
  'SELECT event_id FROM event_status WHERE user_id = ? AND published_at <= ? AND stage >= 0 AND stage < ? AND event_id <> ? ORDER BY published_at';

export type StageObserver = (stage: Stage, msSincePublish: number) => void;

export class StatusTracker {
  /** Published, not acknowledged yet: an output that overtakes the acknowledgement still counts. */
  private readonly inFlight = new Map<string, PublishedEvent>();
  private acked: Array<{ eventId: string; extra: Record<string, unknown> }> = [];
  private readonly stmt;

  constructor(
    db: Db,
    private readonly outbox: UserOutbox,
    private readonly observe: StageObserver = () => undefined,
    private readonly now: () => number = Date.now,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {
    this.stmt = {
      get: db.prepare<[string], { user_id: string; event_type: string; stage: number; published_at: number }>(
        'SELECT user_id, event_type, stage, published_at FROM event_status WHERE event_id = ?',
      ),
      insert: db.prepare<[string, string, string, number, number]>(
        'INSERT OR IGNORE INTO event_status (event_id, user_id, event_type, stage, published_at) VALUES (?, ?, ?, ?, ?)',
      ),
      setStage: db.prepare<[number, string]>('UPDATE event_status SET stage = ? WHERE event_id = ?'),
      earlier: db.prepare<[string, number, number, string], { event_id: string }>(EARLIER_EVENTS_SQL),
      remove: db.prepare<[string]>('DELETE FROM event_status WHERE event_id = ?'),
      purge: db.prepare<[number]>('DELETE FROM event_status WHERE published_at < ?'),
    };
  }

  /** Called just before producing: the event is ours from now on. */
  publishing(event: PublishedEvent): void {
    this.inFlight.set(event.id, event);
  }

  /** The producer gave up: nothing will come back for it. */
  abandoned(eventId: string): void {
    this.inFlight.delete(eventId);
  }

  /**
   * The broker acknowledged: the `received` message. The acknowledgements of one producer batch
   * resolve together, so their continuations all run before a microtask queued by the first one:
   * the whole batch is stored in one transaction, before any output of it can be read.
   */
  received(eventId: string, extra: Record<string, unknown> = {}): void {
    this.acked.push({ eventId, extra });
    if (this.acked.length === 1) queueMicrotask(() => this.flushReceived());
  }

  /** Stores the pending `received` messages now (also called before shutdown). */
  flushReceived(): void {
    const acked = this.acked;
    if (acked.length === 0) return;
    this.acked = [];
    try {
      this.outbox.batch(() => {
        for (const a of acked) this.advance(a.eventId, 'received', a.extra);
      });
    } catch (err) {
      // Only after shutdown closed the database; the later stages still arrive after a restart.
      this.onError(err);
    }
  }

  /**
   * A stage observed on an output topic (call inside the consumer's batch). `extra` may be a
   * function: it is called only when the stage is new for the event — the second sight of an
   * output (the engine's copy, then the reply consumer's) does not parse its value again.
   */
  advance(eventId: string, stage: Stage, extra: Record<string, unknown> | (() => Record<string, unknown>) = {}): void {
    const target = STAGES.indexOf(stage);
    let row = this.stmt.get.get(eventId);
    if (row && target <= row.stage) return;
    const pending = row ? undefined : this.inFlight.get(eventId);
    // Unknown and not in flight: finished long ago (or purged); a duplicate output changes nothing.
    if (!row && !pending) return;
    // Before anything is written: a value that cannot be read leaves the event as it was.
    const fields = typeof extra === 'function' ? extra() : extra;
    if (pending) {
      this.inFlight.delete(eventId);
      this.stmt.insert.run(eventId, pending.userId, pending.type, -1, pending.publishedAt);
      row = { user_id: pending.userId, event_type: pending.type, stage: -1, published_at: pending.publishedAt };
    }
    if (!row) return;
    const at = this.now();
    for (let s = row.stage + 1; s <= target; s++) {
      const inferred = s < target;
      this.outbox.append(row.user_id, {
        type: 'event.status',
        event_id: eventId,
        event_type: row.event_type,
        status: STAGES[s],
        at,
        ...(inferred ? { inferred: true } : fields),
      });
      this.observe(STAGES[s]!, at - row.published_at);
    }
    if (target === FINAL) this.stmt.remove.run(eventId);
    else this.stmt.setStage.run(target, eventId);
    // An output may stand for several events of its user: an aggregate with `emit: on_commit`
    // merges a user's updates and forwards the latest context (docs/record-cache.md). Outputs of a
    // user follow the log's order, so the user's events acknowledged before this one was published
    // are in that context too: they reach the stage with it (inferred).
    for (const e of this.stmt.earlier.all(row.user_id, row.published_at, target, eventId)) this.advance(e.event_id, stage, { inferred: true });
  }

  /** A processing step sent the event to the dead letter topic: no further stage will come. */
  failed(eventId: string, error: { node: string; code: string; message: string }): void {
    const row = this.stmt.get.get(eventId);
    if (!row) return;
    this.outbox.append(row.user_id, { type: 'event.status', event_id: eventId, event_type: row.event_type, status: 'failed', at: this.now(), error });
    this.stmt.remove.run(eventId);
  }

  /** Forgets events still unfinished after `maxAgeMs` (e.g. dropped as duplicates by the aggregate). */
  purgeOlderThan(maxAgeMs: number): number {
    return this.stmt.purge.run(this.now() - maxAgeMs).changes;
  }
}
