import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Db, openGatewayDb } from './state-db.js';
import { EARLIER_EVENTS_SQL } from './status-tracker.js';

describe('status tracker queries', () => {
  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'status-tracker-'));
    db = openGatewayDb(path.join(dir, 'gw.db'));
  });
  afterEach(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("finds a user's earlier events through the index, not by scanning every event in flight", () => {
    const insert = db.prepare('INSERT INTO event_status (event_id, user_id, event_type, stage, published_at) VALUES (?, ?, ?, ?, ?)');
    for (let i = 0; i < 2000; i++) insert.run(`e${i}`, `u${i % 100}`, 'user.mood.created', 0, 1000 + i);
    db.exec('ANALYZE');
    const plan = db
      .prepare<[string, number, number, string], { detail: string }>(`EXPLAIN QUERY PLAN ${EARLIER_EVENTS_SQL}`)
      .all('u7', 5000, 2, 'e7')
      .map((r) => r.detail)
      .join('\n');
    expect(plan).toContain('USING INDEX event_status_user');
    expect(plan).not.toMatch(/^SCAN event_status$/m);
    // and it answers what it did before: the user's events up to the time, below the stage, in publish order
    const rows = db.prepare<[string, number, number, string], { event_id: string }>(EARLIER_EVENTS_SQL).all('u7', 1307, 2, 'e107');
    expect(rows.map((r) => r.event_id)).toEqual(['e7', 'e207', 'e307']);
  });
});
