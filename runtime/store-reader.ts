/**
 * Reads the committed state of one task's stores straight from its SQLite
 * database (`<state_dir>/<app>/<task>/state.db`, the layout of
 * state/sqlite-tables.ts), read-only and in pages, for operators: `aura store`
 * on a state directory, and the scans and counts of the operator API.
 *
 * Safe while the task's instance runs: the database is in WAL mode, so this
 * connection (opened read-only, it never writes) reads a consistent snapshot of
 * the last commit and blocks no writer. What it sees is committed state only:
 * SQLite is written after the log transaction committed, and with write-behind
 * (`state_flush_interval`, state/task-state-manager.ts) up to one interval later:
 * what this reads may be that much older than what the running task holds, or
 * more when the task went idle (the write rides on a commit).
 * Values are the stored JSON, parsed; a key-value store's value kept in the
 * list-rows layout (state/list-rows.ts: a head plus segment rows) is read
 * whole, under its own key, as the store itself reads it.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AuraError, ErrorCodes } from '../common/errors.js';
import { assembleHead, elementRange, escapeKey, headSlots, splitElementKey, unescapeKey } from '../state/list-rows.js';
import { tableName, taskDir } from '../state/sqlite-db.js';
import type { StoreKind } from '../topology/model.js';

/** One entry as operators see it: the key, its value and, for windowed stores, the window or session. */
export interface StoreEntry {
  key: string;
  value: unknown;
  window_start?: number;
  session_start?: number;
  session_end?: number;
}

export interface ScanOptions {
  prefix?: string;
  /** Only keys after this one (exclusive): the paging cursor within a task. */
  after?: string;
  limit: number;
}

/** Key columns and the SELECT of each store kind (state/sqlite-tables.ts). */
const LAYOUT: Record<StoreKind, { prefix: string; select: string; order: string }> = {
  key_value: { prefix: 'kv', select: 'k, v', order: 'k' },
  window: { prefix: 'win', select: 'k, v, ws', order: 'k, ws' },
  session: { prefix: 'ses', select: 'k, v, ss, se', order: 'k, se, ss' },
};

/** The upper bound of keys starting with `prefix` (SQLite compares UTF-8 bytes; U+10FFFF is the largest). */
const prefixEnd = (prefix: string) => `${prefix}\u{10FFFF}`;

/** Key-value rows that are heads (or whole values), not segment rows of the list-rows layout. */
const HEADS_ONLY = 'instr(k, char(1)) = 0';

function toEntry(kind: StoreKind, row: unknown[]): StoreEntry {
  const [k, v] = row as [string, string];
  const e: StoreEntry = { key: kind === 'key_value' ? unescapeKey(k) : k, value: JSON.parse(v) };
  if (kind === 'window') e.window_start = row[2] as number;
  if (kind === 'session') Object.assign(e, { session_start: row[2] as number, session_end: row[3] as number });
  return e;
}

/**
 * Whether a process has the task's database open: SQLite connections in WAL mode hold a shared
 * lock on the file for as long as they are open, so an exclusive lock cannot be had meanwhile.
 * The probe takes none of the data: an empty transaction, at once released.
 */
export function isTaskStateInUse(stateDir: string, app: string, taskId: string): boolean {
  const file = path.join(taskDir(stateDir, app, taskId), 'state.db');
  if (!fs.existsSync(file)) return false;
  const db = new Database(file, { fileMustExist: true, timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    return false;
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return true;
    throw new AuraError(ErrorCodes.STORE_FAILED, `cannot check ${file}: ${(err as Error).message}`, { cause: err });
  } finally {
    db.close();
  }
}

export class TaskStoreReader {
  private readonly db: Database.Database;

  /** Undefined when the task has no database in this state directory. */
  static open(stateDir: string, app: string, taskId: string): TaskStoreReader | undefined {
    const file = path.join(taskDir(stateDir, app, taskId), 'state.db');
    if (!fs.existsSync(file)) return undefined;
    return new TaskStoreReader(file);
  }

  private constructor(readonly file: string) {
    try {
      this.db = new Database(file, { readonly: true, fileMustExist: true });
      this.db.pragma('busy_timeout = 2000');
    } catch (cause) {
      throw new AuraError(ErrorCodes.STORE_FAILED, `cannot open ${file} read-only`, { cause, details: { file } });
    }
  }

  private table(storeId: string, kind: StoreKind): string | undefined {
    const name = `${LAYOUT[kind].prefix}_${storeId}`;
    const exists = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").pluck().get(name);
    return exists ? tableName(LAYOUT[kind].prefix, storeId) : undefined;
  }

  /** Every row of `key` (one for a key-value store; one per window or session otherwise). */
  get(storeId: string, kind: StoreKind, key: string): StoreEntry[] {
    const t = this.table(storeId, kind);
    if (!t) return [];
    const physical = kind === 'key_value' ? escapeKey(key) : key;
    const rows = this.db.prepare(`SELECT ${LAYOUT[kind].select} FROM ${t} WHERE k = ? ORDER BY ${LAYOUT[kind].order}`).raw(true).all(physical) as unknown[][];
    return rows.map((r) => this.entry(t, kind, r));
  }

  /** The entry of a row; a list-rows head gets its elements back from its segment rows. */
  private entry(table: string, kind: StoreKind, row: unknown[]): StoreEntry {
    const e = toEntry(kind, row);
    if (kind !== 'key_value' || headSlots(e.value) === undefined) return e;
    const [from, to] = elementRange(row[0] as string);
    const segments = new Map<number, string>();
    for (const [k, v] of this.db.prepare(`SELECT k, v FROM ${table} WHERE k >= ? AND k <= ?`).raw(true).all(from, to) as Array<[string, string]>) {
      segments.set(splitElementKey(k)[1], v);
    }
    assembleHead(e.value, segments);
    return e;
  }

  /** Up to `limit` entries in key order, after `after`, starting with `prefix`; windowed rows of one key stay together. */
  scan(storeId: string, kind: StoreKind, o: ScanOptions): { entries: StoreEntry[]; more: boolean } {
    const t = this.table(storeId, kind);
    if (!t) return { entries: [], more: false };
    const kv = kind === 'key_value';
    const phys = (k: string) => (kv ? escapeKey(k) : k);
    const where: string[] = kv ? [HEADS_ONLY] : [];
    const args: unknown[] = [];
    if (o.prefix) {
      where.push('k >= ? AND k <= ?');
      args.push(phys(o.prefix), prefixEnd(phys(o.prefix)));
    }
    if (o.after !== undefined) {
      where.push('k > ?');
      args.push(phys(o.after));
    }
    const sql = `SELECT ${LAYOUT[kind].select} FROM ${t}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${LAYOUT[kind].order} LIMIT ?`;
    const rows = this.db
      .prepare(sql)
      .raw(true)
      .all(...args, o.limit + 1) as unknown[][];
    let entries = rows.slice(0, o.limit).map((r) => this.entry(t, kind, r));
    const more = rows.length > o.limit;
    // The cursor is a key: a page must not end in the middle of one key's windows.
    if (more && kind !== 'key_value' && rows[o.limit]![0] === entries.at(-1)!.key) {
      const last = entries.at(-1)!.key;
      const cut = entries.filter((e) => e.key !== last);
      entries = cut.length > 0 ? cut : this.get(storeId, kind, last);
    }
    return { entries, more };
  }

  count(storeId: string, kind: StoreKind, prefix?: string): number {
    const t = this.table(storeId, kind);
    if (!t) return 0;
    const kv = kind === 'key_value';
    const where = [...(kv ? [HEADS_ONLY] : []), ...(prefix ? ['k >= ? AND k <= ?'] : [])];
    const stmt = this.db.prepare(`SELECT COUNT(*) FROM ${t}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`).pluck();
    const p = prefix && kv ? escapeKey(prefix) : prefix;
    return (p ? stmt.get(p, prefixEnd(p)) : stmt.get()) as number;
  }

  /** The checkpoint: next offset per `topic:partition` the state accounts for. */
  checkpoint(): Record<string, number> {
    const rows = this.db.prepare('SELECT topic, part, next_offset FROM _checkpoint ORDER BY topic, part').all() as Array<{
      topic: string;
      part: number;
      next_offset: number;
    }>;
    return Object.fromEntries(rows.map((r) => [`${r.topic}:${r.part}`, r.next_offset]));
  }

  close(): void {
    this.db.close();
  }
}
