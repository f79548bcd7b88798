/**
 * Deterministic AURA360 test events (seeded PRNG), shared by engine tests,
 * crash tests and benchmarks.
 */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KINDS = ['exercise', 'meditation', 'sleep', 'social', 'work', 'outdoors'];
const NOTES = ['felt tired after work', 'great run this morning', 'anxious about the exam', 'calm evening with friends', 'slept badly', ''];

export interface UserEvent {
  id: string;
  type: 'user.mood.created' | 'user.activity.created' | 'user.ikigai.updated';
  user_id: string;
  time: string;
  data: Record<string, unknown>;
}

/** A recent start: logs apply retention (7 days by default) to record timestamps, as Kafka does. */
/** Ends at least an hour ago whatever `n` is: Kafka rejects timestamps too far in the future. */
export const recentStart = (n = 0): number => Math.floor(Date.now() / 3_600_000) * 3_600_000 - Math.max(24 * 3_600_000, (n + 3_600) * 1000);

/** `n` events over `users` users, one per second from `start`. */
export function makeEvents(n: number, users: number, seed = 1, start = recentStart(n)): UserEvent[] {
  const rnd = prng(seed);
  const out: UserEvent[] = [];
  for (let i = 0; i < n; i++) {
    const user_id = `user-${Math.floor(rnd() * users)}`;
    const r = rnd();
    const time = new Date(start + i * 1000).toISOString();
    const id = `evt-${seed}-${i}`;
    const note = NOTES[Math.floor(rnd() * NOTES.length)]!;
    if (r < 0.5) out.push({ id, type: 'user.mood.created', user_id, time, data: { score: 1 + Math.floor(rnd() * 10), ...(note ? { note } : {}) } });
    else if (r < 0.9)
      out.push({
        id,
        type: 'user.activity.created',
        user_id,
        time,
        data: { kind: KINDS[Math.floor(rnd() * KINDS.length)], minutes: 5 + Math.floor(rnd() * 90) },
      });
    else out.push({ id, type: 'user.ikigai.updated', user_id, time, data: { dimensions: { love: Math.floor(rnd() * 11), paid_for: Math.floor(rnd() * 11) } } });
  }
  return out;
}
