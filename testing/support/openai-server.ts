/**
 * A local server speaking the OpenAI protocol subset the providers use —
 * `POST /v1/embeddings` and `POST /v1/chat/completions` (SSE streaming and
 * plain JSON) — on 127.0.0.1 with a random port, for tests: no model can run
 * on the development machine. Real sockets, real HTTP framing, real SSE.
 *
 * Switches: `delayMs` (a slow model: pause before an embeddings answer and
 * between deltas), and a queue of scripted faults per endpoint, each used by
 * one request: an HTTP status (500, 429 with Retry-After...), a hang (headers
 * never sent), a stall or a dropped connection after n deltas, an error event
 * mid-stream. Every request is recorded (path, headers, parsed body).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHashingEmbedder } from '../hashing-embedder.js';

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string; message?: string }
  | { kind: 'hang' }
  | { kind: 'stall_after'; deltas: number }
  | { kind: 'drop_after'; deltas: number }
  | { kind: 'error_event_after'; deltas: number };

export type Endpoint = 'embeddings' | 'chat';

export interface ChatRequestBody {
  model: string;
  messages: Array<{ role: string; content: string }>;
  stream?: boolean;
  temperature?: number;
  max_tokens?: number;
}

export interface OpenAiTestServerOptions {
  /** Vector size when the request asks for none (default 16). */
  dims?: number;
  /** The assistant's answer to a chat request (default: echoes the question). */
  reply?: (body: ChatRequestBody) => string;
  /** How the answer is cut into deltas (default: 3 characters each, i.e. mid-word). */
  split?: (text: string) => string[];
  /** Pause before an embeddings answer and between deltas, in ms (default 0). */
  delayMs?: number;
  /** Write each SSE event in two halves, so lines straddle TCP writes (default true). */
  splitWrites?: boolean;
  /** Answer chat requests with one JSON completion even when asked to stream (as some servers do). */
  ignoreStream?: boolean;
}

export interface RecordedRequest {
  endpoint: Endpoint | 'other';
  path: string;
  headers: http.IncomingHttpHeaders;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface OpenAiTestServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Requests of each endpoint in progress now (a client that aborts closes its request). */
  readonly active: Record<Endpoint, number>;
  /** Most requests of one endpoint seen in progress at the same time. */
  readonly maxConcurrent: Record<Endpoint, number>;
  options: OpenAiTestServerOptions;
  /** Queues faults: each one answers the next request of that endpoint. */
  fail(endpoint: Endpoint, ...faults: Fault[]): void;
  close(): Promise<void>;
}

export const defaultReply = (body: ChatRequestBody): string => {
  const question = [...body.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  return `Hello! About "${question}": take a ten minute walk after lunch, and write one line about your mood tonight.`;
};

export const splitEvery =
  (n: number) =>
  (text: string): string[] =>
    text.match(new RegExp(`[\\s\\S]{1,${n}}`, 'g')) ?? [];

export async function startOpenAiTestServer(initial: OpenAiTestServerOptions = {}): Promise<OpenAiTestServer> {
  const requests: RecordedRequest[] = [];
  const faults: Record<Endpoint, Fault[]> = { embeddings: [], chat: [] };
  const active: Record<Endpoint, number> = { embeddings: 0, chat: 0 };
  const maxConcurrent: Record<Endpoint, number> = { embeddings: 0, chat: 0 };
  const embedders = new Map<number, ReturnType<typeof createHashingEmbedder>>();
  const state = { options: initial };
  const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  const json = (res: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(value));
  };
  const apiError = (res: http.ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void =>
    json(res, status, { error: { message, type: status === 429 ? 'rate_limit_exceeded' : 'server_error' } }, headers);

  async function embeddings(body: any, res: http.ServerResponse): Promise<void> {
    if (!Array.isArray(body?.input) || typeof body.model !== 'string') return apiError(res, 400, 'model and input[] are required');
    const dims = Number(body.dimensions ?? state.options.dims ?? 16);
    let embedder = embedders.get(dims);
    if (!embedder) embedders.set(dims, (embedder = createHashingEmbedder({ dims })));
    const vectors = await embedder.embed(body.input as string[]);
    if (state.options.delayMs) await wait(state.options.delayMs);
    // Not unit length, and listed in reverse: clients must normalise and order by index.
    const data = vectors.map((v, index) => ({ object: 'embedding', index, embedding: Array.from(v, (x) => x * 3) })).reverse();
    json(res, 200, { object: 'list', data, model: body.model, usage: { prompt_tokens: 0, total_tokens: 0 } });
  }

  async function chat(body: ChatRequestBody, res: http.ServerResponse, fault: Fault | undefined): Promise<void> {
    if (typeof body?.model !== 'string' || !Array.isArray(body.messages)) return apiError(res, 400, 'model and messages[] are required');
    const text = (state.options.reply ?? defaultReply)(body);
    if (!body.stream || state.options.ignoreStream) {
      return json(res, 200, {
        id: 'chatcmpl-test',
        object: 'chat.completion',
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
      });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    const send = async (data: string): Promise<void> => {
      const event = `data: ${data}\n\n`;
      if (state.options.splitWrites === false) res.write(event);
      else {
        const half = Math.floor(event.length / 2);
        res.write(event.slice(0, half));
        await wait(1);
        if (!res.destroyed) res.write(event.slice(half));
      }
    };
    const chunk = (delta: Record<string, unknown>, finish: string | null = null): string =>
      JSON.stringify({ id: 'chatcmpl-test', object: 'chat.completion.chunk', model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] });
    await send(chunk({ role: 'assistant' })); // role-only first delta, as OpenAI sends
    const deltas = (state.options.split ?? splitEvery(3))(text);
    for (let i = 0; i < deltas.length; i++) {
      if (res.destroyed) return;
      if (fault && 'deltas' in fault && i === fault.deltas) {
        if (fault.kind === 'stall_after') return; // keep the connection open, say nothing more
        if (fault.kind === 'drop_after') {
          await wait(20); // let what was written reach the client: destroy() discards unsent data
          return void res.socket?.destroy();
        }
        await send(JSON.stringify({ error: { message: 'model crashed', type: 'server_error' } }));
        return void res.end();
      }
      if (state.options.delayMs) await wait(state.options.delayMs);
      await send(chunk({ content: deltas[i] }));
    }
    await send(chunk({}, 'stop'));
    await send('[DONE]');
    res.end();
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      const endpoint: Endpoint | 'other' = path === '/v1/embeddings' ? 'embeddings' : path === '/v1/chat/completions' ? 'chat' : 'other';
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      requests.push({ endpoint, path, headers: req.headers, body });
      if (endpoint === 'other' || req.method !== 'POST') return apiError(res, 404, `no route ${req.method} ${path}`);
      if (body === undefined) return apiError(res, 400, 'the body is not JSON');
      active[endpoint]++;
      maxConcurrent[endpoint] = Math.max(maxConcurrent[endpoint], active[endpoint]);
      res.on('close', () => active[endpoint]--);
      const fault = faults[endpoint].shift();
      if (fault?.kind === 'hang') return;
      if (fault?.kind === 'status') {
        const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {};
        return apiError(res, fault.status, fault.message ?? `scripted ${fault.status}`, headers);
      }
      const run = endpoint === 'embeddings' ? embeddings(body, res) : chat(body as ChatRequestBody, res, fault);
      run.catch((err: Error) => (res.headersSent ? res.destroy(err) : apiError(res, 500, err.message)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    active,
    maxConcurrent,
    get options() {
      return state.options;
    },
    set options(o) {
      state.options = o;
    },
    fail(endpoint, ...list) {
      faults[endpoint].push(...list);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
