/**
 * One simulated mobile user: subscribed to its stream, it publishes events
 * (mood, activity, ikigai) and asks the Guardian for advice, then waits until
 * every event reached `ingested` and every answer is complete — and checks
 * that nothing was lost, duplicated or out of order on the way.
 */
import { performance } from 'node:perf_hooks';
import { type StreamMessage, TestSocket, wsUrl } from '../../testing/support/ws-client.js';
import { checkStream } from './check-stream.js';

export interface UserPlan {
  user: string;
  token: string;
  events: number;
  /** Advice requests, spread over the events. */
  advice: number;
  /** Pause between two actions (ms), jittered ±50%. */
  thinkMs: number;
  timeoutMs: number;
  /** Wait this long before connecting (users ramp up instead of all connecting in the same millisecond). */
  startDelayMs: number;
}

export interface UserResult {
  user: string;
  publishMs: number[];
  ingestedMs: number[];
  firstChunkMs: number[];
  finalMs: number[];
  messages: number;
  inferred: number;
  problems: string[];
}

const BODIES: Array<[string, (i: number) => unknown]> = [
  [
    'mood-entries',
    (i) => ({ score: 1 + (i % 10), energy: 1 + ((i * 7) % 10), note: i % 3 === 0 ? 'slept badly, anxious about work' : 'calm walk after lunch' }),
  ],
  ['activities', (i) => ({ kind: ['exercise', 'meditation', 'social', 'work'][i % 4], minutes: 10 + (i % 50) })],
  ['ikigai', (i) => ({ dimensions: { love: i % 11, good_at: (i * 3) % 11 } })],
];

export async function simulateUser(baseUrl: string, plan: UserPlan): Promise<UserResult> {
  const r: UserResult = { user: plan.user, publishMs: [], ingestedMs: [], firstChunkMs: [], finalMs: [], messages: 0, inferred: 0, problems: [] };
  const headers = { authorization: `Bearer ${plan.token}`, 'content-type': 'application/json' };
  await new Promise((res) => setTimeout(res, plan.startDelayMs));
  const socket = await TestSocket.connect(wsUrl(baseUrl, '/ws'), ['aura.v1', `bearer.${plan.token}`]);
  const arrived = new Map<StreamMessage, number>();
  socket.ws.on('message', () => arrived.set(socket.messages[socket.messages.length - 1]!, performance.now()));
  await socket.waitFor((m) => m.type === 'hello');
  // Warm-up, not measured: the first request opens the HTTP connection (an app does it once per session).
  await fetch(`${baseUrl}/api/users/${encodeURIComponent(plan.user)}/context`, { headers }).then((res) => res.arrayBuffer());
  const sentAt = new Map<string, number>();
  const asked = new Map<string, number>();
  const adviceEvery = plan.advice > 0 ? Math.max(1, Math.floor(plan.events / plan.advice)) : Infinity;
  const think = () => new Promise((res) => setTimeout(res, plan.thinkMs * (0.5 + Math.random())));

  for (let i = 0, a = 0; i < plan.events || a < plan.advice; i++) {
    if (i < plan.events) {
      const [path, body] = BODIES[i % BODIES.length]!;
      const t0 = performance.now();
      const res = await fetch(`${baseUrl}/api/holistic/${path}/`, { method: 'POST', headers, body: JSON.stringify(body(i)) });
      const t1 = performance.now();
      if (res.status !== 201) r.problems.push(`publish ${i}: HTTP ${res.status} ${await res.text()}`);
      else {
        sentAt.set(((await res.json()) as { id: string }).id, t0);
        r.publishMs.push(t1 - t0);
      }
    }
    if (a < plan.advice && (i % adviceEvery === adviceEvery - 1 || i >= plan.events)) {
      a++;
      const t0 = performance.now();
      const res = await fetch(`${baseUrl}/api/guardian/advice`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ question: `What should I change this week? (${a})` }),
      });
      if (res.status !== 202) r.problems.push(`advice ${a}: HTTP ${res.status}`);
      else asked.set(((await res.json()) as { correlation_id: string }).correlation_id, t0);
    }
    await think();
  }

  const done = () =>
    [...sentAt.keys()].every((id) => socket.messages.some((m) => m.event_id === id && m.status === 'ingested')) &&
    [...asked.keys()].every((c) => socket.messages.some((m) => m.correlation_id === c && m.type === 'guardian.response'));
  const until = Date.now() + plan.timeoutMs;
  while (!done() && Date.now() < until && !socket.closed) await new Promise((res) => setTimeout(res, 20));
  socket.close();

  const check = checkStream(socket.messages, sentAt.keys(), asked.keys());
  r.messages = socket.messages.filter((m) => m.seq !== undefined).length;
  r.inferred = check.inferred;
  r.problems.push(...check.problems);
  for (const [id, m] of check.ingested) r.ingestedMs.push(arrived.get(m)! - sentAt.get(id)!);
  for (const [cid, m] of check.firstChunk) r.firstChunkMs.push(arrived.get(m)! - asked.get(cid)!);
  for (const [cid, m] of check.final) r.finalMs.push(arrived.get(m)! - asked.get(cid)!);
  return r;
}
