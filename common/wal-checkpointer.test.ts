import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_FALLBACK_BYTES, startWalCheckpointer } from './wal-checkpointer.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function openWal(): { db: Database.Database; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-ckpt-'));
  dirs.push(dir);
  const file = path.join(dir, 'test.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  return { db, file };
}

/** ~`mb` MiB in transactions of 64 rows of 1 KiB, as a writer of small batches does. */
function write(db: Database.Database, mb: number, from = 0): number {
  const insert = db.prepare('INSERT INTO t (id, v) VALUES (?, ?)');
  const tx = db.transaction((first: number) => {
    for (let i = 0; i < 64; i++) insert.run(first + i, `${first + i}:${'v'.repeat(1000)}`);
  });
  const n = mb * 16;
  for (let b = 0; b < n; b++) tx(from + b * 64);
  return from + n * 64;
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

describe('startWalCheckpointer', () => {
  it('copies the log back into the database file from its worker while the writer never checkpoints', async () => {
    const { db, file } = openWal();
    const ckpt = startWalCheckpointer(db, file, { intervalMs: 50 });
    // The writer's own checkpoint now waits for the fallback's worth of log (64 MiB of 4 KiB pages).
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(DEFAULT_FALLBACK_BYTES / 4096);
    const sizeBefore = fs.statSync(file).size;
    const rows = write(db, 8);
    // Only a checkpoint grows the database file: 8 MiB written, far below the writer's threshold.
    expect(await until(() => fs.statSync(file).size > sizeBefore + 4 * 1024 * 1024, 10_000)).toBe(true);
    expect(await until(() => ckpt.checkpoints > 0, 2_000)).toBe(true);
    // The log starts over once copied: a writer that keeps going does not grow it without end.
    write(db, 8, rows);
    await until(() => false, 300);
    write(db, 1, rows * 2);
    expect(fs.statSync(`${file}-wal`).size).toBeLessThan(14 * 1024 * 1024);
    // Every row is in the database, read by another connection.
    const reader = new Database(file, { readonly: true });
    expect((reader.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(rows * 2 + 1024);
    reader.close();
    await ckpt.close();
    db.close();
  });

  it('shares one worker per database and gives the writer its checkpoint back when the last handle closes', async () => {
    const { db, file } = openWal();
    db.pragma('wal_autocheckpoint = 500');
    const a = startWalCheckpointer(db, file);
    const b = startWalCheckpointer(db, file);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(DEFAULT_FALLBACK_BYTES / 4096);
    await a.close();
    await a.close(); // twice: still one release
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(DEFAULT_FALLBACK_BYTES / 4096);
    await b.close();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(500);
    db.close();
  });

  it('leaves an in-memory database alone', async () => {
    const db = new Database(':memory:');
    const ckpt = startWalCheckpointer(db, db.name);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    await ckpt.close();
    db.close();
  });
});
