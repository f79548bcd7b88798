/**
 * Helpers for the state tests (not a test file): temp state directories and a
 * tiny in-memory log that plays the runtime's part in the commit protocol —
 * it assigns offsets to changelog records and hands back end offsets.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TaskStateManager, type TaskStateOptions } from '../../state/task-state-manager.js';
import type { ChangelogRecord, RestoreRecord, StoreRegistration } from '../../state/types.js';

export function tempStateDir(): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-state-test-'));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Write-through (every completeCommit writes SQLite) unless `extra` sets stateFlushIntervalMs:
 * most state tests check SQLite right after a commit; write-behind has its own tests.
 */
export function openTask(dir: string, stores: StoreRegistration[], extra: Partial<TaskStateOptions> = {}): TaskStateManager {
  return TaskStateManager.open({ stateDir: dir, app: 'test', taskId: '0_2', stores, stateFlushIntervalMs: 0, ...extra });
}

interface LoggedRecord extends ChangelogRecord {
  offset: number;
}

/** An append-only log per "topic:partition", standing in for the transport. */
export class MemoryLog {
  private readonly parts = new Map<string, LoggedRecord[]>();

  /** Appends (as a committed log transaction would) and returns the end offsets for completeCommit. */
  append(records: ChangelogRecord[]): Record<string, number> {
    const ends: Record<string, number> = {};
    for (const r of records) {
      const k = `${r.topic}:${r.partition}`;
      let p = this.parts.get(k);
      if (p === undefined) this.parts.set(k, (p = []));
      p.push({ ...r, offset: p.length });
      ends[k] = p.length;
    }
    return ends;
  }

  /** Records of one partition from `fromOffset`, as restore reads them. */
  read(topic: string, partition: number, fromOffset = 0): RestoreRecord[] {
    return (this.parts.get(`${topic}:${partition}`) ?? [])
      .filter((r) => r.offset >= fromOffset)
      .map((r) => ({ key: r.key, value: r.value, offset: r.offset, timestamp: r.timestamp }));
  }

  endOffset(topic: string, partition: number): number {
    return this.parts.get(`${topic}:${partition}`)?.length ?? 0;
  }
}

/** The full protocol: prepare, "produce" to the log, complete. Returns the records produced. */
export function commit(m: TaskStateManager, log: MemoryLog): ChangelogRecord[] {
  const records = m.prepareCommit();
  m.completeCommit(log.append(records));
  return records;
}

/** Runs the restore plan against the log in batches. */
export function restoreAll(m: TaskStateManager, log: MemoryLog, batchSize = 3): number {
  let n = 0;
  for (const p of m.restorePlan()) {
    const records = log.read(p.topic, p.partition, p.fromOffset);
    for (let i = 0; i < records.length; i += batchSize) {
      const batch = records.slice(i, i + batchSize);
      n += p.table ? m.restoreFromTable(p.storeId, batch) : m.restoreBatch(p.topic, p.partition, batch);
    }
  }
  return n;
}

export const KV: StoreRegistration = { id: 'ctx', kind: 'key_value', changelogTopic: 'test-ctx-changelog' };
export const WIN: StoreRegistration = { id: 'join_left', kind: 'window', changelogTopic: 'test-join_left-changelog', retentionMs: 1000, windowSizeMs: 100 };
export const SES: StoreRegistration = { id: 'sessions', kind: 'session', changelogTopic: 'test-sessions-changelog', retentionMs: 1000 };
