/**
 * The shared HTTP pieces: the SSE reader over arbitrary chunk boundaries,
 * backoff and retry decisions, Retry-After parsing, the concurrency limiter.
 */
import { describe, expect, it } from 'vitest';
import { AuraError } from '../../common/errors.js';
import { openAiEndpoint, retriableStatus, retryAfterMs } from './http-call.js';
import { Limiter } from './limiter.js';
import { backoffDelay, withRetry } from './retry.js';
import { sseData } from './sse.js';

async function* bytes(parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield new TextEncoder().encode(p);
}

async function events(parts: string[]): Promise<string[]> {
  const out: string[] = [];
  for await (const d of sseData(bytes(parts))) out.push(d);
  return out;
}

describe('sseData', () => {
  const stream = ': keep-alive\n\ndata: {"a":1}\n\nevent: ping\ndata: two\ndata: lines\n\nid: 3\ndata:no-space\r\n\r\ndata: é ü\r\rdata: [DONE]\n\n';
  const expected = ['{"a":1}', 'two\nlines', 'no-space', 'é ü', '[DONE]'];

  it('yields the data of each event, joining multi-line data, skipping comments and other fields', async () => {
    expect(await events([stream])).toEqual(expected);
  });

  it('gives the same events however the bytes are cut (mid-line, mid-CRLF, mid-character)', async () => {
    const raw = new TextEncoder().encode(stream);
    for (let cut = 1; cut < raw.length; cut++) {
      const parts = [raw.slice(0, cut), raw.slice(cut)];
      const out: string[] = [];
      for await (const d of sseData(
        (async function* () {
          yield* parts;
        })(),
      ))
        out.push(d);
      expect(out, `cut at ${cut}`).toEqual(expected);
    }
    // and one byte at a time
    const single: string[] = [];
    for await (const d of sseData(
      (async function* () {
        for (const b of raw) yield Uint8Array.of(b);
      })(),
    ))
      single.push(d);
    expect(single).toEqual(expected);
  });

  it('delivers a last event that lacks its closing blank line', async () => {
    expect(await events(['data: x\n\ndata: [DONE]'])).toEqual(['x', '[DONE]']);
    expect(await events(['data: y\n'])).toEqual(['y']);
  });
});

describe('retries', () => {
  const transient = (extra: Record<string, unknown> = {}) => new AuraError('PROVIDER_FAILED', 'boom', { retriable: true, details: extra });

  it('retries retriable errors up to maxRetries, not others', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw transient();
        },
        { maxRetries: 2, baseDelayMs: 1 },
      ),
    ).rejects.toThrow('boom');
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new AuraError('PROVIDER_FAILED', 'bad request');
        },
        { maxRetries: 5, baseDelayMs: 1 },
      ),
    ).rejects.toThrow('bad request');
    expect(calls).toBe(1);
    calls = 0;
    expect(
      await withRetry(
        async (n) => {
          calls++;
          if (n < 2) throw transient();
          return 'ok';
        },
        { maxRetries: 5, baseDelayMs: 1 },
      ),
    ).toBe('ok');
    expect(calls).toBe(3);
  });

  it('backs off exponentially with jitter, capped, and honours Retry-After', () => {
    for (let i = 0; i < 50; i++) {
      const d0 = backoffDelay(0, transient(), { baseDelayMs: 100 });
      const d3 = backoffDelay(3, transient(), { baseDelayMs: 100 });
      expect(d0).toBeGreaterThanOrEqual(50);
      expect(d0).toBeLessThanOrEqual(100);
      expect(d3).toBeGreaterThanOrEqual(400);
      expect(d3).toBeLessThanOrEqual(800);
      expect(backoffDelay(20, transient(), { baseDelayMs: 100, maxDelayMs: 1000 })).toBeLessThanOrEqual(1000);
    }
    expect(backoffDelay(0, transient({ retryAfterMs: 2500 }))).toBe(2500);
    expect(backoffDelay(0, transient({ retryAfterMs: 600_000 }))).toBe(30_000);
  });

  it('does not start a retry that would end past the deadline, and stops when aborted', async () => {
    let calls = 0;
    const started = Date.now();
    await expect(
      withRetry(
        async () => {
          calls++;
          throw transient({ retryAfterMs: 5_000 });
        },
        { maxRetries: 3, deadline: Date.now() + 1_000 },
      ),
    ).rejects.toThrow('boom');
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(500);
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 30);
    await expect(
      withRetry(
        async () => {
          throw transient({ retryAfterMs: 10_000 });
        },
        { maxRetries: 3, signal: abort.signal },
      ),
    ).rejects.toThrow('aborted');
  });

  it('parses Retry-After in seconds, as a date, and retry-after-ms', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '3' }))).toBe(3000);
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '3' }))).toBe(250);
    const inTwo = retryAfterMs(new Headers({ 'retry-after': new Date(Date.now() + 2000).toUTCString() }))!;
    expect(inTwo).toBeGreaterThan(500);
    expect(inTwo).toBeLessThanOrEqual(2000);
    expect(retryAfterMs(new Headers())).toBeUndefined();
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect([429, 500, 503, 408].every(retriableStatus)).toBe(true);
    expect([400, 401, 403, 404, 422].some(retriableStatus)).toBe(false);
  });

  it('builds OpenAI endpoints from a base URL with or without /v1', () => {
    expect(openAiEndpoint('http://localhost:11434', 'embeddings')).toBe('http://localhost:11434/v1/embeddings');
    expect(openAiEndpoint('https://api.openai.com/v1/', 'chat/completions')).toBe('https://api.openai.com/v1/chat/completions');
  });
});

describe('Limiter', () => {
  it('runs at most max tasks at once, in FIFO order', async () => {
    const limiter = new Limiter(2);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const task = (i: number) => async () => {
      started.push(i);
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 10));
      running--;
      return i;
    };
    expect(await Promise.all([0, 1, 2, 3, 4, 5].map((i) => limiter.run(task(i))))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(limiter.inUse).toBe(0);
  });

  it('gives the slot back when a task fails, and drops a waiter whose signal aborts', async () => {
    const limiter = new Limiter(1);
    await expect(
      limiter.run(async () => {
        throw new Error('x');
      }),
    ).rejects.toThrow('x');
    const release = await limiter.acquire();
    const abort = new AbortController();
    const waiting = limiter.acquire(abort.signal);
    expect(limiter.queued).toBe(1);
    abort.abort();
    await expect(waiting).rejects.toThrow('aborted');
    expect(limiter.queued).toBe(0);
    release();
    release(); // twice is harmless
    expect(limiter.inUse).toBe(0);
    const again = await limiter.acquire();
    expect(limiter.inUse).toBe(1);
    again();
  });
});
