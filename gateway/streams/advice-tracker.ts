/**
 * The Guardian answers this instance asked for. Chunks and the final response
 * travel on two topics, so the response may be read before its last chunks:
 * it is then parked (in the gateway's database, with the chunk count) until
 * every chunk it announces has been passed on — a client always sees the
 * chunks in order, then the final message. Waiters (`Prefer: wait`) are
 * resolved with the final response.
 */
import type { Language } from '../../providers/advisors/language.js';
import type { GuardianChunkBody, GuardianResponseBody } from '../../schemas/ws/stream-messages.js';
import type { UserOutbox } from './outbox.js';
import type { Db } from './state-db.js';

export interface GuardianChunk {
  correlation_id: string;
  user_id: string;
  seq: number;
  text: string;
  final: boolean;
}

export interface GuardianResponse {
  correlation_id: string;
  user_id: string;
  status: 'ok' | 'timeout' | 'error';
  advice?: string;
  chunks: number;
  /** What the answer is written in (Guardians before issue 17 did not say). */
  language?: Language;
  context_version?: number | null;
  sources?: Array<{ point_id: string; score: number; window_end: number }>;
  error?: { code: string; message: string };
  created_at: number;
}

export interface AdviceObserver {
  firstChunk(msSinceRequest: number): void;
  final(msSinceRequest: number, status: string): void;
  /** The final response, after the user's stream got it (waiters of `Prefer: wait`). */
  answered(response: GuardianResponse): void;
}

interface Row {
  user_id: string;
  requested_at: number;
  chunks_seen: number;
  first_chunk_at: number | null;
  response: string | null;
}

export class AdviceTracker {
  private readonly stmt;

  constructor(
    db: Db,
    private readonly outbox: UserOutbox,
    private readonly observer: AdviceObserver,
    private readonly now: () => number = Date.now,
  ) {
    this.stmt = {
      insert: db.prepare<[string, string, number]>('INSERT OR IGNORE INTO advice (correlation_id, user_id, requested_at, chunks_seen) VALUES (?, ?, ?, 0)'),
      get: db.prepare<[string], Row>('SELECT user_id, requested_at, chunks_seen, first_chunk_at, response FROM advice WHERE correlation_id = ?'),
      chunk: db.prepare<[number, number | null, string]>('UPDATE advice SET chunks_seen = ?, first_chunk_at = ? WHERE correlation_id = ?'),
      park: db.prepare<[string, string]>('UPDATE advice SET response = ? WHERE correlation_id = ?'),
      remove: db.prepare<[string]>('DELETE FROM advice WHERE correlation_id = ?'),
      purge: db.prepare<[number]>('DELETE FROM advice WHERE requested_at < ?'),
    };
  }

  /** A request was published (before producing, so that no answer can overtake it). */
  requested(correlationId: string, userId: string, at: number): void {
    this.stmt.insert.run(correlationId, userId, at);
  }

  /** The request could not be published: forget it. */
  abandoned(correlationId: string): void {
    this.stmt.remove.run(correlationId);
  }

  /** Whether onChunk would deliver `chunk` now (not a redelivery, and the next one when `nextOnly`). */
  accepts(chunk: GuardianChunk, nextOnly = false): boolean {
    return takes(this.stmt.get.get(chunk.correlation_id), chunk, nextOnly);
  }

  /** `nextOnly`: take it only if it is the very next chunk (a source that may have skipped one). */
  onChunk(chunk: GuardianChunk, nextOnly = false): void {
    const row = this.stmt.get.get(chunk.correlation_id);
    if (!takes(row, chunk, nextOnly)) return;
    const at = this.now();
    const message: GuardianChunkBody = {
      type: 'guardian.chunk',
      correlation_id: chunk.correlation_id,
      index: chunk.seq,
      text: chunk.text,
      final: chunk.final,
      at,
    };
    this.outbox.append(row.user_id, message);
    let first = row.first_chunk_at;
    if (first === null) {
      first = at;
      this.observer.firstChunk(at - row.requested_at);
    }
    row.chunks_seen = chunk.seq + 1;
    this.stmt.chunk.run(row.chunks_seen, first, chunk.correlation_id);
    if (row.response !== null) {
      const parked = JSON.parse(row.response) as GuardianResponse;
      if (row.chunks_seen >= parked.chunks) this.finish(parked, row);
    }
  }

  onResponse(response: GuardianResponse): void {
    const row = this.stmt.get.get(response.correlation_id);
    if (!row) return;
    if (row.chunks_seen >= response.chunks) this.finish(response, row);
    else this.stmt.park.run(JSON.stringify(response), response.correlation_id);
  }

  purgeOlderThan(maxAgeMs: number): number {
    return this.stmt.purge.run(this.now() - maxAgeMs).changes;
  }

  private finish(response: GuardianResponse, row: Row): void {
    const at = this.now();
    const { correlation_id, status, language, advice, chunks, context_version, sources, error } = response;
    const message: GuardianResponseBody = {
      type: 'guardian.response',
      correlation_id,
      status,
      ...(language !== undefined ? { language } : {}),
      ...(advice !== undefined ? { advice } : {}),
      chunks,
      context_version: context_version ?? null,
      sources: sources ?? [],
      ...(error ? { error } : {}),
      at,
    };
    this.outbox.append(row.user_id, message);
    this.stmt.remove.run(correlation_id);
    this.observer.final(at - row.requested_at, status);
    this.observer.answered(response);
  }
}

/** Unknown: answered already (a redelivery) or purged. Seen before this position: a redelivery too. */
function takes(row: { chunks_seen: number } | undefined, chunk: GuardianChunk, nextOnly: boolean): row is { chunks_seen: number } {
  if (!row || chunk.seq < row.chunks_seen) return false;
  return !nextOnly || chunk.seq === row.chunks_seen;
}
