/**
 * The user stream over real sockets: authentication before the upgrade,
 * processing status of each published event in order, resume with `since`,
 * another user's stream refused with 1008.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../../testing/support/gateway-harness.js';
import { type StreamMessage, TestSocket, wsUrl } from '../../testing/support/ws-client.js';

const STAGES = ['received', 'aggregated', 'vectorized', 'ingested'];

describe('GET /ws', () => {
  let h: Harness;
  const open = async (user: string, query = '') => TestSocket.connect(wsUrl(h.url, `/ws${query}`), ['aura.v1', `bearer.${await h.token(user)}`]);
  const publish = async (user: string, body: unknown) => {
    const res = await fetch(`${h.url}/api/holistic/mood-entries/`, { method: 'POST', headers: await h.auth(user), body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };

  beforeAll(async () => {
    h = await startHarness({ listen: true });
  });
  afterAll(async () => h?.close());

  it('refuses the upgrade without a valid token (HTTP 401, no socket)', async () => {
    await expect(TestSocket.connect(wsUrl(h.url, '/ws'))).rejects.toThrow('HTTP 401');
    await expect(TestSocket.connect(wsUrl(h.url, '/ws?token=not-a-jwt'))).rejects.toThrow('HTTP 401');
    await expect(TestSocket.connect(wsUrl(h.url, '/ws?since=-3'), ['aura.v1', `bearer.${await h.token('x')}`])).rejects.toThrow('HTTP 400');
  });

  it('accepts the token as subprotocol (answering aura.v1) or as ?token=', async () => {
    const a = await open('ana');
    expect(a.ws.protocol).toBe('aura.v1');
    const hello = await a.waitFor((m) => m.type === 'hello');
    expect(hello).toMatchObject({ user_id: 'ana', instance: 'gw-test' });
    const b = await TestSocket.connect(wsUrl(h.url, `/ws?token=${await h.token('ana')}`));
    await b.waitFor((m) => m.type === 'hello');
    a.close();
    b.close();
  });

  it('streams received → aggregated → vectorized → ingested for each event, numbered per user', async () => {
    const s = await open('bob');
    await s.waitFor((m) => m.type === 'hello');
    const ids = [await publish('bob', { score: 3 }), await publish('bob', { score: 8, note: 'walked by the sea' })];
    for (const id of ids) await s.waitFor((m) => m.event_id === id && m.status === 'ingested');
    const statuses = s.messages.filter((m) => m.type === 'event.status');
    for (const id of ids) {
      const mine = statuses.filter((m) => m.event_id === id);
      expect(mine.map((m) => m.status)).toEqual(STAGES);
      const times = mine.map((m) => m.at as number);
      expect([...times].sort((x, y) => x - y)).toEqual(times);
      expect(mine.find((m) => m.status === 'ingested')!.point_id).toMatch(/^[0-9a-f-]{36}$/);
    }
    const seqs = statuses.map((m) => m.seq!);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));
    s.close();
  });

  it('resumes after a disconnect with ?since=<seq>: what was missed, nothing twice', async () => {
    const s = await open('cid');
    await s.waitFor((m) => m.type === 'hello');
    const first = await publish('cid', { score: 5 });
    await s.waitFor((m) => m.event_id === first && m.status === 'ingested');
    const lastSeen = Math.max(...s.messages.filter((m) => m.seq !== undefined).map((m) => m.seq!));
    s.close();
    await s.waitClosed();
    const missed = await publish('cid', { score: 6 });
    // The stream keeps going without a socket; the next connection gets the gap.
    await new Promise((r) => setTimeout(r, 300));
    const again = await open('cid', `?since=${lastSeen}`);
    const done = await again.waitFor((m) => m.event_id === missed && m.status === 'ingested');
    const replayed = again.messages.filter((m) => m.seq !== undefined);
    expect(replayed[0]!.seq).toBe(lastSeen + 1);
    expect(replayed.map((m) => m.seq)).toEqual(Array.from({ length: replayed.length }, (_, i) => lastSeen + 1 + i));
    expect(replayed.every((m) => m.event_id === missed)).toBe(true);
    expect(done.seq).toBe(lastSeen + 4);
    again.close();
  });

  it("closes with 1008 a socket that asks for another user's stream", async () => {
    const viaQuery = await open('dee', '?user=eve');
    expect((await viaQuery.waitClosed()).code).toBe(1008);
    const viaMessage = await open('dee');
    await viaMessage.waitFor((m) => m.type === 'hello');
    viaMessage.send({ type: 'subscribe', user_id: 'eve' });
    expect((await viaMessage.waitClosed()).code).toBe(1008);
    const own = await open('dee', '?user=dee');
    await own.waitFor((m: StreamMessage) => m.type === 'hello');
    own.send({ type: 'ping' });
    await own.waitFor((m) => m.type === 'pong');
    own.close();
  });
});
