/**
 * The embedded log's SQLite file: one database holds topics, their
 * partitions' log end offsets, records, open transactions and committed group
 * offsets, so a restart finds everything where it was.
 *
 * Records live in a rowid table with a unique index on (topic, partition,
 * offset) rather than a WITHOUT ROWID table: measured, appends are 1.4x
 * (100-byte values) to 2.5x (2 KB values) faster because large rows do not
 * bloat the clustered b-tree, and range reads stay index-driven.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AuraError, ErrorCodes } from '../../common/errors.js';

export type Db = Database.Database;

const SCHEMA_VERSION = 1;

const DDL = `
CREATE TABLE IF NOT EXISTS topics (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  partitions INTEGER NOT NULL,
  replication INTEGER NOT NULL,
  config TEXT NOT NULL
);
-- next_off is the log end offset: it survives retention deleting every record,
-- so offsets are never reused.
CREATE TABLE IF NOT EXISTS partitions (
  topic_id INTEGER NOT NULL,
  part INTEGER NOT NULL,
  next_off INTEGER NOT NULL,
  PRIMARY KEY (topic_id, part)
) WITHOUT ROWID;
-- txn: 0 for plain records, else the id of the transaction that wrote it.
CREATE TABLE IF NOT EXISTS records (
  topic_id INTEGER NOT NULL,
  part INTEGER NOT NULL,
  off INTEGER NOT NULL,
  rkey TEXT,
  value BLOB,
  ts INTEGER NOT NULL,
  headers TEXT,
  txn INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS records_tpo ON records (topic_id, part, off);
-- One row per (open transaction, partition it wrote to) with its first offset:
-- rows left here after a crash are transactions that never committed.
CREATE TABLE IF NOT EXISTS txn_partitions (
  txn_id INTEGER NOT NULL,
  topic_id INTEGER NOT NULL,
  part INTEGER NOT NULL,
  first_off INTEGER NOT NULL,
  PRIMARY KEY (txn_id, topic_id, part)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS committed_offsets (
  group_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  part INTEGER NOT NULL,
  off INTEGER NOT NULL,
  PRIMARY KEY (group_id, topic, part)
) WITHOUT ROWID;
`;

/** Opens (creating if needed) the log database: WAL, NORMAL sync (durable across process crashes). */
export function openLogDatabase(file: string): Db {
  if (file !== ':memory:' && !file.startsWith('file:')) fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  // Larger pages for a new file (no effect on an existing one): measured ~10% cheaper appends of
  // small records, ~35% of 2 KB ones, and cheaper small reads, against 4 KB pages.
  db.pragma('page_size = 16384');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // Another process reading the file (a CLI) must not make an append fail at once.
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -32000');
  db.pragma('temp_store = MEMORY');
  db.exec(DDL);
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === 0) db.pragma(`user_version = ${SCHEMA_VERSION}`);
  else if (version !== SCHEMA_VERSION) {
    db.close();
    throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `${file}: embedded log schema version ${version}, this build reads version ${SCHEMA_VERSION}`);
  }
  return db;
}
