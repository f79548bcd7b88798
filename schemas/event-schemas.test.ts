/**
 * The shipped event schemas: they compile together (relative $refs resolve),
 * accept the events AURA360 produces and reject malformed ones.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENT_SCHEMAS_DIR, EventSchemaSet } from './event-schemas.js';

const schemas = EventSchemaSet.load();
const valid = (id: string, value: unknown) => schemas.validator(id)(value);

const mood = {
  id: '0b8f1a5e-7c7d-4f5e-9a1b-2c3d4e5f6a7b',
  type: 'user.mood.created',
  user_id: 'u-1',
  time: '2025-01-02T08:30:00Z',
  data: { score: 7, energy: 5, emotions: ['calm'], note: 'ok' },
};
const activity = {
  ...mood,
  id: '1c9f2b6f-8d8e-4a6f-8b2c-3d4e5f6a7b8c',
  type: 'user.activity.created',
  data: { kind: 'exercise', minutes: 30, intensity: 'high' },
};
const ikigai = { ...mood, id: '2d0a3c7a-9e9f-4b7a-9c3d-4e5f6a7b8c9d', type: 'user.ikigai.updated', data: { dimensions: { love: 8, paid_for: 3.5 } } };
const context = {
  user_id: 'u-1',
  version: 3,
  window: { start: 1_700_000_000_000, end: 1_700_000_600_000, events: 3, max_events: 50, span_ms: 604_800_000 },
  mood: { count: 1, avg: 7, latest: 7, trend: 'unknown', slope: 0 },
  activity: { count: 1, total_minutes: 30, minutes_by_kind: { exercise: 30 } },
  ikigai: { love: 8, paid_for: 3.5, updated_at: 1_700_000_600_000 },
  notes: ['ok'],
  counts: { mood: 1, activity: 1, ikigai: 1, total: 3 },
  last_event_id: ikigai.id,
  summary_text: 'Mood 7/10. 30 min of exercise.',
  updated_at: 1_700_000_600_001,
};

describe('event schemas', () => {
  it('ships every schema the default pipeline names, plus the request bodies, and all compile', () => {
    expect(schemas.ids()).toEqual([
      'activity',
      'aggregated-context',
      'guardian-chunk',
      'guardian-request',
      'guardian-response',
      'ikigai-update',
      'ingest-result',
      'mood-activity',
      'mood-entry',
      'user-event',
      'vectorized-context',
    ]);
    for (const id of schemas.ids()) expect(schemas.check(id), id).toBeUndefined();
    for (const file of fs.readdirSync(EVENT_SCHEMAS_DIR)) {
      const schema = JSON.parse(fs.readFileSync(path.join(EVENT_SCHEMAS_DIR, file), 'utf8'));
      expect(schema.$id).toBe(`https://aura360.dev/schemas/events/${file}`);
    }
  });

  it('validates user events by type, through the data schemas', () => {
    expect(valid('user-event', mood)).toBe(true);
    expect(valid('user-event', activity)).toBe(true);
    expect(valid('user-event', ikigai)).toBe(true);
    expect(valid('user-event', { ...mood, data: { score: 11 } })).toBe(false);
    expect(valid('user-event', { ...mood, data: { kind: 'exercise', minutes: 30 } })).toBe(false);
    expect(valid('user-event', { ...activity, data: { kind: 'exercise', minutes: 0 } })).toBe(false);
    expect(valid('user-event', { ...activity, data: { kind: 'gaming', minutes: 10 } })).toBe(false);
    expect(valid('user-event', { ...ikigai, data: { dimensions: {} } })).toBe(false);
    expect(valid('user-event', { ...mood, type: 'user.sleep.created' })).toBe(false);
    expect(valid('user-event', { ...mood, id: 'not-a-uuid' })).toBe(false);
    expect(valid('user-event', { ...mood, time: 'yesterday' })).toBe(false);
    expect(valid('user-event', { ...mood, user_id: '' })).toBe(false);
  });

  it('validates the request bodies on their own', () => {
    expect(valid('mood-entry', { score: 1 })).toBe(true);
    expect(valid('mood-entry', { score: 5, emotions: Array(11).fill('x') })).toBe(false);
    expect(valid('activity', { kind: 'sleep', minutes: 1440 })).toBe(true);
    expect(valid('activity', { kind: 'sleep', minutes: 1441 })).toBe(false);
    expect(valid('ikigai-update', { dimensions: { world_needs: 10 } })).toBe(true);
    expect(valid('ikigai-update', { dimensions: { world_needs: 11 } })).toBe(false);
  });

  it('validates the derived events', () => {
    expect(valid('aggregated-context', context)).toBe(true);
    expect(valid('aggregated-context', { ...context, mood: { ...context.mood, trend: 'up' } })).toBe(false);
    expect(valid('aggregated-context', { ...context, notes: ['1', '2', '3', '4', '5', '6'] })).toBe(false);
    const vectorized = {
      user_id: 'u-1',
      point_id: '3e1b4d8b-0f0a-4c8b-8d4e-5f6a7b8c9d0e',
      window_end: 1,
      model: 'all-MiniLM-L6-v2',
      dims: 2,
      vector: [0.1, 0.2],
      summary_text: 's',
      context,
    };
    expect(valid('vectorized-context', vectorized)).toBe(true);
    expect(valid('vectorized-context', { ...vectorized, context: { user_id: 'u-1' } })).toBe(false);
    expect(valid('guardian-request', { correlation_id: 'c1', user_id: 'u-1', question: 'How can I sleep better?', deadline: 2, created_at: 1 })).toBe(true);
    expect(valid('guardian-request', { correlation_id: 'c1', user_id: 'u-1', question: '', deadline: 2, created_at: 1 })).toBe(false);
    expect(valid('guardian-chunk', { correlation_id: 'c1', user_id: 'u-1', seq: 0, text: 'Try', final: false })).toBe(true);
    expect(valid('guardian-response', { correlation_id: 'c1', user_id: 'u-1', status: 'timeout', chunks: 0, context_version: null, created_at: 3 })).toBe(true);
    expect(valid('guardian-response', { correlation_id: 'c1', user_id: 'u-1', status: 'late', chunks: 0, created_at: 3 })).toBe(false);
    expect(valid('ingest-result', { user_id: 'u-1', point_id: '3e1b4d8b-0f0a-4c8b-8d4e-5f6a7b8c9d0e', sink: 'context_vectors', upserted_at: 5 })).toBe(true);
    expect(valid('mood-activity', { user_id: 'u-1', mood, activity, gap_ms: 60_000 })).toBe(true);
    expect(valid('mood-activity', { user_id: 'u-1', mood: { ...mood, data: { score: 0 } }, activity, gap_ms: 1 })).toBe(false);
  });

  it('reports missing, unparsable and invalid schema files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-events-'));
    try {
      fs.writeFileSync(path.join(dir, 'broken.schema.json'), '{ "type": ');
      fs.writeFileSync(path.join(dir, 'typo.schema.json'), JSON.stringify({ type: 'objekt' }));
      fs.writeFileSync(
        path.join(dir, 'ref.schema.json'),
        JSON.stringify({ $id: 'https://x.test/ref.schema.json', properties: { a: { $ref: 'gone.schema.json' } } }),
      );
      const set = EventSchemaSet.load(dir);
      expect(set.check('broken')?.code).toBe('SCHEMA_INVALID');
      expect(set.check('typo')).toMatchObject({ code: 'SCHEMA_INVALID', message: expect.stringContaining('"objekt"') });
      expect(set.check('ref')).toMatchObject({ code: 'UNKNOWN_SCHEMA', message: expect.stringContaining('gone.schema.json') });
      expect(set.check('absent')?.code).toBe('SCHEMA_NOT_FOUND');
      expect(() => set.validator('absent')).toThrow(/no event schema "absent"/);
      expect(EventSchemaSet.load(path.join(dir, 'nope')).ids()).toEqual([]);
      // The cached set is reused until a file changes.
      const cached = EventSchemaSet.cached(dir);
      expect(EventSchemaSet.cached(dir)).toBe(cached);
      fs.writeFileSync(path.join(dir, 'added.schema.json'), JSON.stringify({ type: 'object' }));
      const reloaded = EventSchemaSet.cached(dir);
      expect(reloaded).not.toBe(cached);
      expect(reloaded.check('added')).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
