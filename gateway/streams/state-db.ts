/**
 * The gateway's own durable state, one SQLite file per instance: the per-user
 * message log that WebSocket clients resume from, the progress of events and
 * Guardian answers, and the reply consumer's positions. All of it is written
 * in one transaction per polled batch, positions included, so after a crash
 * or restart the instance resumes exactly where its messages stopped: answers
 * that arrived meanwhile are read again and kept for the client, none twice.
 */
import Database from 'better-sqlite3';

export type Db = Database.Database;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (
  user_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  msg TEXT NOT NULL,
  PRIMARY KEY (user_id, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS outbox_at ON outbox (at);
CREATE TABLE IF NOT EXISTS cursors (
  user_id TEXT PRIMARY KEY,
  delivered INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS event_status (
  event_id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  stage INTEGER NOT NULL,
  published_at INTEGER NOT NULL
) WITHOUT ROWID;
-- A user's unfinished events in publish order: an output that stands for several events
-- (status-tracker.ts, the "earlier" query) finds them without scanning every event in flight.
CREATE INDEX IF NOT EXISTS event_status_user ON event_status (user_id, published_at);
CREATE TABLE IF NOT EXISTS advice (
  correlation_id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  requested_at INTEGER NOT NULL,
  chunks_seen INTEGER NOT NULL,
  first_chunk_at INTEGER,
  response TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS positions (
  topic TEXT NOT NULL,
  partition INTEGER NOT NULL,
  next_offset INTEGER NOT NULL,
  PRIMARY KEY (topic, partition)
) WITHOUT ROWID;
`;

export function openGatewayDb(file: string): Db {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // A power cut may lose the last transactions, never corrupt the file; the log re-delivers them.
  db.pragma('synchronous = NORMAL');
  db.exec(SCHEMA);
  return db;
}

/** The reply consumer's next offsets, written with the messages they produced. */
export class Positions {
  private readonly select;
  private readonly upsert;

  constructor(db: Db) {
    this.select = db.prepare<[], { topic: string; partition: number; next_offset: number }>('SELECT topic, partition, next_offset FROM positions');
    this.upsert = db.prepare<[string, number, number]>(
      'INSERT INTO positions (topic, partition, next_offset) VALUES (?, ?, ?) ON CONFLICT (topic, partition) DO UPDATE SET next_offset = excluded.next_offset',
    );
  }

  all(): Map<string, number> {
    return new Map(this.select.all().map((r) => [`${r.topic}:${r.partition}`, r.next_offset]));
  }

  save(topic: string, partition: number, nextOffset: number): void {
    this.upsert.run(topic, partition, nextOffset);
  }
}
