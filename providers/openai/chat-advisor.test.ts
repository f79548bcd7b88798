/**
 * The OpenAI-compatible Guardian advisor against the local protocol server:
 * streamed deltas in order and as they come, the request it sends, retries
 * only before the first delta, the idle timeout, the deadline, the caller's
 * abort, the concurrency cap, a server that does not stream.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuraError } from '../../common/errors.js';
import { defaultReply, type OpenAiTestServer, splitEvery, startOpenAiTestServer } from '../../testing/support/openai-server.js';
import type { AdviceInput, Advisor, AggregatedContext } from '../types.js';
import { createOpenAiChatAdvisor, type OpenAiChatAdvisorOptions } from './chat-advisor.js';

let server: OpenAiTestServer;
const open: Advisor[] = [];

beforeAll(async () => {
  server = await startOpenAiTestServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  for (const a of open.splice(0)) await a.close();
  await until(() => server.active.chat === 0);
  server.requests.length = 0;
  server.options = {};
});

function advisor(options: Partial<OpenAiChatAdvisorOptions> = {}): Advisor {
  const a = createOpenAiChatAdvisor({ url: server.url, model: 'llama3.2', retryBaseDelayMs: 10, ...options });
  open.push(a);
  return a;
}

const context: AggregatedContext = {
  user_id: 'u1',
  version: 4,
  window: { start: Date.UTC(2025, 2, 1), end: Date.UTC(2025, 2, 7), events: 4, max_events: 50, span_ms: 7 * 86_400_000 },
  mood: { count: 2, avg: 4.5, latest: 4, trend: 'falling', slope: -0.5 },
  activity: { count: 1, total_minutes: 30, minutes_by_kind: { running: 30 } },
  ikigai: { love: 8 },
  notes: ['tired after work'],
  counts: { mood: 2, activity: 1, ikigai: 1, total: 4 },
  last_event_id: 'e4',
  summary_text: 'Mood averaged 4.5 and is falling; 30 minutes of running.',
  updated_at: Date.UTC(2025, 2, 7),
};

function input(overrides: Partial<AdviceInput> = {}): AdviceInput {
  return {
    question: 'How can I sleep better?',
    userId: 'u1',
    context,
    history: [],
    language: 'en',
    deadline: Date.now() + 10_000,
    signal: new AbortController().signal,
    ...overrides,
  };
}

async function collect(pieces: AsyncIterable<string>, onPiece?: (p: string, i: number) => void): Promise<string[]> {
  const out: string[] = [];
  for await (const p of pieces) {
    onPiece?.(p, out.length);
    out.push(p);
  }
  return out;
}

async function failure(pieces: AsyncIterable<string>, got: string[] = []): Promise<AuraError> {
  try {
    for await (const p of pieces) got.push(p);
  } catch (err) {
    expect(err).toBeInstanceOf(AuraError);
    return err as AuraError;
  }
  throw new Error(`expected a failure, got ${JSON.stringify(got)}`);
}

async function until(check: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const expectedText = defaultReply({ model: 'llama3.2', messages: [{ role: 'user', content: 'How can I sleep better?' }] });

describe('OpenAI-compatible chat advisor', () => {
  it('yields every streamed delta, in order, and they make up the answer', async () => {
    const pieces = await collect(advisor().advise(input()));
    expect(pieces).toEqual(splitEvery(3)(expectedText));
    expect(pieces.join('')).toBe(expectedText);
  });

  it('sends the prompt built from the context, the question and the settings', async () => {
    await collect(advisor({ apiKey: 'sk-x', temperature: 0.3, maxTokens: 200, url: `${server.url}/v1` }).advise(input()));
    const [req] = server.requests;
    expect(req!.path).toBe('/v1/chat/completions');
    expect(req!.headers.authorization).toBe('Bearer sk-x');
    expect(req!.body).toMatchObject({ model: 'llama3.2', stream: true, temperature: 0.3, max_tokens: 200 });
    expect(req!.body.messages).toHaveLength(2);
    expect(req!.body.messages[0].role).toBe('system');
    expect(req!.body.messages[0].content).toContain('Mood averaged 4.5 and is falling');
    expect(req!.body.messages[0].content).toContain('"tired after work"');
    expect(req!.body.messages[1]).toEqual({ role: 'user', content: 'How can I sleep better?' });
  });

  it('yields each delta as it arrives, not at the end', async () => {
    server.options = { delayMs: 40, reply: () => 'one two three four five six seven eight', split: (t) => t.split(/(?<= )/) };
    const started = Date.now();
    const at: number[] = [];
    const pieces = await collect(advisor().advise(input()), () => at.push(Date.now() - started));
    expect(pieces).toHaveLength(8);
    // 8 deltas 40 ms apart: the first is in hand long before the last is sent.
    expect(at[0]!).toBeLessThan(at[7]! - 200);
  });

  it('retries a 500 and a 429 (after its Retry-After) before the first delta', async () => {
    server.fail('chat', { kind: 'status', status: 500 }, { kind: 'status', status: 429, retryAfter: '0' });
    const pieces = await collect(advisor({ maxRetries: 2 }).advise(input()));
    expect(pieces.join('')).toBe(expectedText);
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry once a delta has gone out', async () => {
    server.fail('chat', { kind: 'drop_after', deltas: 3 });
    const got: string[] = [];
    const err = await failure(advisor({ maxRetries: 3 }).advise(input()), got);
    expect(got).toEqual(splitEvery(3)(expectedText).slice(0, 3));
    expect(err.code).toBe('PROVIDER_FAILED');
    expect(server.requests).toHaveLength(1);
  });

  it('fails on an error event in the stream', async () => {
    server.fail('chat', { kind: 'error_event_after', deltas: 2 });
    const got: string[] = [];
    const err = await failure(advisor().advise(input()), got);
    expect(got).toHaveLength(2);
    expect(err.message).toContain('model crashed');
  });

  it('does not retry a 4xx', async () => {
    server.fail('chat', { kind: 'status', status: 404, message: 'model "llama3.2" not found' });
    const err = await failure(advisor({ maxRetries: 3 }).advise(input()));
    expect(err.message).toContain('not found');
    expect(server.requests).toHaveLength(1);
  });

  it('times out a server that never answers, and one that stalls mid-stream', async () => {
    server.fail('chat', { kind: 'hang' });
    let err = await failure(advisor({ timeoutMs: 150, maxRetries: 0 }).advise(input()));
    expect(err.code).toBe('PROVIDER_TIMEOUT');
    server.fail('chat', { kind: 'hang' });
    expect((await collect(advisor({ timeoutMs: 150, maxRetries: 1 }).advise(input()))).join('')).toBe(expectedText);
    server.fail('chat', { kind: 'stall_after', deltas: 2 });
    const got: string[] = [];
    err = await failure(advisor({ timeoutMs: 150 }).advise(input()), got);
    expect(err.code).toBe('PROVIDER_TIMEOUT');
    expect(got).toHaveLength(2);
  });

  it('stops at the deadline with DEADLINE_EXCEEDED and closes the request', async () => {
    server.options = { delayMs: 50 };
    const started = Date.now();
    const got: string[] = [];
    const err = await failure(advisor().advise(input({ deadline: started + 300 })), got);
    expect(err.code).toBe('DEADLINE_EXCEEDED');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(got.length).toBeGreaterThan(0);
    expect(got.length).toBeLessThan(splitEvery(3)(expectedText).length);
    await until(() => server.active.chat === 0);
  });

  it('does not retry past the deadline', async () => {
    server.fail('chat', { kind: 'status', status: 429, retryAfter: '5' });
    const started = Date.now();
    const err = await failure(advisor({ maxRetries: 3 }).advise(input({ deadline: started + 1_000 })));
    expect(err.details?.status).toBe(429);
    expect(Date.now() - started).toBeLessThan(900);
    expect(server.requests).toHaveLength(1);
  });

  it('ends quietly when the caller aborts, and the server sees the request closed', async () => {
    server.options = { delayMs: 30 };
    const abort = new AbortController();
    const pieces = await collect(advisor().advise(input({ signal: abort.signal })), (_, i) => {
      if (i === 1) abort.abort();
    });
    expect(pieces.length).toBeGreaterThanOrEqual(2);
    expect(pieces.length).toBeLessThan(5);
    await until(() => server.active.chat === 0);
  });

  it('closes the request when the consumer stops reading', async () => {
    server.options = { delayMs: 30 };
    for await (const _ of advisor().advise(input())) break; // eslint-disable-line @typescript-eslint/no-unused-vars
    await until(() => server.active.chat === 0);
    expect(server.requests).toHaveLength(1);
  });

  it('streams at most `concurrency` answers at once; the others wait their turn', async () => {
    server.options = { delayMs: 10, reply: () => 'a b c d e f' };
    server.maxConcurrent.chat = 0;
    const a = advisor({ concurrency: 2 });
    const answers = await Promise.all(Array.from({ length: 5 }, () => collect(a.advise(input()))));
    for (const pieces of answers) expect(pieces.join('')).toBe('a b c d e f');
    expect(server.maxConcurrent.chat).toBe(2);
  });

  it('takes a server that ignores stream: true and answers in one JSON', async () => {
    server.options = { ignoreStream: true };
    expect(await collect(advisor().advise(input()))).toEqual([expectedText]);
  });

  it('rejects a prompt template with an unknown placeholder', () => {
    expect(() => createOpenAiChatAdvisor({ url: server.url, model: 'm', promptTemplate: 'Hi {{contxt}}' })).toThrow(/unknown placeholder \{\{contxt\}\}/);
  });

  it('uses the configured prompt template', async () => {
    await collect(advisor({ promptTemplate: 'Q: {{question}}\nC: {{context}}\nH: {{history}}' }).advise(input({ context: null })));
    const system = server.requests[0]!.body.messages[0].content as string;
    expect(system).toBe(
      'Q: How can I sleep better?\nC: Nothing is known about this user yet (no mood, activity or ikigai entries).\nH: None found.\n\n' +
        'Answer in English, whatever language the question, the notes or these instructions are written in.',
    );
  });

  it("asks the model to answer in the request's language, and the answer comes back in it", async () => {
    // A model that follows the instruction: the server answers in the language the system message asks for.
    server.options = {
      reply: (body) =>
        /Answer in Spanish/.test(body.messages[0]!.content) ? 'Acuéstate y levántate a la misma hora.' : 'Go to bed and get up at the same time.',
    };
    const a = advisor();
    const es = await collect(a.advise(input({ question: '¿Cómo duermo mejor?', language: 'es' })));
    const en = await collect(a.advise(input({ question: 'How do I sleep better?', language: 'en' })));
    expect(es.join('')).toBe('Acuéstate y levántate a la misma hora.');
    expect(en.join('')).toBe('Go to bed and get up at the same time.');
    const [toEs, toEn] = server.requests.map((r) => r.body.messages[0].content as string);
    expect(toEs).toContain('Answer in Spanish (natural Latin-American Spanish, addressing the user as «tú»), whatever language');
    expect(toEn).toContain('Answer in English, whatever language');
    expect(toEs).not.toContain('{{language}}');
    // A custom template places the language where it wants it.
    await collect(advisor({ promptTemplate: 'Reply in {{language}}. {{context}}' }).advise(input({ language: 'es', context: null })));
    expect(server.requests.at(-1)!.body.messages[0].content).toBe(
      'Reply in Spanish (natural Latin-American Spanish, addressing the user as «tú»). Nothing is known about this user yet (no mood, activity or ikigai entries).',
    );
  });
});
