/**
 * What a WAL checkpoint costs the thread that commits, with and without the
 * background checkpointer (common/wal-checkpointer.ts). One SQLite file in
 * WAL mode, NORMAL sync (as the gateway's database and the embedded log),
 * written by this thread in small transactions at a fixed rate, like the
 * gateway storing statuses and chunks; per variant: how long the commits
 * took on this thread (p50 / p99 / max, total) and the event-loop delay
 * meanwhile. Both variants alternate, `--rounds` times each.
 *
 *   node --import tsx bench/micro/wal-checkpoint.ts [--rate 400] [--rows 8] [--bytes 400] [--seconds 6] [--rounds 2] [--page 4096] [--interval 1000]
 *
 * The default (rate 400 × 8 rows of 400 bytes: ~1.3 MB/s) makes the writer's log reach the default
 * 1,000-page automatic checkpoint every few seconds with 4 KiB pages.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { startWalCheckpointer } from '../../common/wal-checkpointer.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '400' },
    rows: { type: 'string', default: '8' },
    bytes: { type: 'string', default: '400' },
    seconds: { type: 'string', default: '6' },
    rounds: { type: 'string', default: '2' },
    page: { type: 'string', default: '4096' },
    interval: { type: 'string', default: '1000' },
  },
});
const rate = Number(values.rate);
const rows = Number(values.rows);
const payload = 'x'.repeat(Number(values.bytes));

async function run(background: boolean): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-wal-'));
  const file = path.join(dir, 'bench.db');
  const db = new Database(file);
  db.pragma(`page_size = ${Number(values.page)}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE t (user_id TEXT NOT NULL, seq INTEGER NOT NULL, msg TEXT NOT NULL, PRIMARY KEY (user_id, seq)) WITHOUT ROWID');
  const insert = db.prepare('INSERT INTO t (user_id, seq, msg) VALUES (?, ?, ?)');
  const tx = db.transaction((seq: number) => {
    for (let i = 0; i < rows; i++) insert.run(`user-${(seq * rows + i) % 100}`, seq * rows + i, payload);
  });
  const checkpointer = background ? startWalCheckpointer(db, file, { intervalMs: Number(values.interval) }) : undefined;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const took: number[] = [];
  const end = performance.now() + Number(values.seconds) * 1000;
  let seq = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      // Catch up with the rate (timers are coarse): as many transactions as are due.
      const due = Math.floor(((performance.now() - (end - Number(values.seconds) * 1000)) / 1000) * rate);
      while (seq < due) {
        const t0 = performance.now();
        tx(seq++);
        took.push(performance.now() - t0);
      }
      if (performance.now() >= end) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  loop.disable();
  await checkpointer?.close();
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  took.sort((a, b) => a - b);
  const q = (p: number) => took[Math.min(took.length - 1, Math.floor(p * took.length))]!.toFixed(2);
  const total = took.reduce((a, b) => a + b, 0);
  return [
    background ? 'background' : 'in commit ',
    `${took.length} commits`,
    `commit p50 ${q(0.5)} p99 ${q(0.99)} p99.9 ${q(0.999)} max ${took.at(-1)!.toFixed(1)} ms, total ${total.toFixed(0)} ms`,
    `loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(1)} max ${(loop.max / 1e6).toFixed(1)} ms`,
    checkpointer ? `worker checkpoints ~${checkpointer.checkpoints}` : '',
  ].join('  ');
}

for (let r = 0; r < Number(values.rounds); r++) {
  process.stdout.write(`${await run(false)}\n`);
  process.stdout.write(`${await run(true)}\n`);
}
