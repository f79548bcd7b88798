/**
 * The load test: a gateway server in a child process, `users` simulated users
 * in this one, all at once. Fails (ok: false) when anything is lost, doubled or
 * out of order; reports p50/p95/p99 of publish latency, publish → ingested,
 * advice → first chunk and advice → final answer (the client's clock), the
 * latency targets of issue 12 for the transport, and the server's own
 * per-hop histograms (breakdown.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sign } from 'hono/jwt';
import { hopSummaries, targetLines } from './breakdown.js';
import { simulateUser, type UserResult } from './simulated-user.js';
import { formatTable, type Summary, summarize } from './stats.js';

export interface LoadOptions {
  users: number;
  eventsPerUser: number;
  advicePerUser: number;
  thinkMs: number;
  /** Users start evenly spread over this time. */
  rampMs: number;
  embedder: 'hashing' | 'minilm';
  /** Run the server on KAFKA_BROKERS instead of the embedded log. */
  kafka?: boolean;
  timeoutMs?: number;
}

export interface LoadReport {
  ok: boolean;
  problems: string[];
  summaries: Summary[];
  durationMs: number;
  events: number;
  advice: number;
  messages: number;
  inferred: number;
  maxLag: number;
  eventLoopDelayMs: { p99: number; max: number };
  /** CPU time of the server process (all threads) while the users ran, from its /metrics. */
  cpuSeconds: number;
  /** Server side, per hop (from its /metrics histograms). */
  hops: Summary[];
  /** Reply records the gateway took from its engine at commit vs read by its reply consumer. */
  replySources: { engine: number; log: number };
  text: string;
}

const SERVER = path.resolve(import.meta.dirname, 'server.ts');

function startServer(secret: string, embedder: string, kafka: boolean): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    // AURA_LOAD_NODE_OPTIONS: extra flags for the server process, e.g. `--cpu-prof` to profile it.
    const extra = process.env.AURA_LOAD_NODE_OPTIONS?.split(' ').filter(Boolean) ?? [];
    const child = spawn(process.execPath, [...extra, '--import', 'tsx', SERVER, '--embedder', embedder, ...(kafka ? ['--kafka'] : [])], {
      env: { ...process.env, AURA_JWT_SECRET: secret, VITEST: '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    let ready = false;
    child.stdout!.on('data', (d: Buffer) => {
      // The server's log (AURA_LOG_LEVEL, default warn) goes to stderr, the READY line aside.
      if (ready) return void process.stderr.write(d);
      out += d.toString();
      const m = /READY (\S+)/.exec(out);
      if (!m) return;
      ready = true;
      const rest = out.slice(out.indexOf('\n', m.index) + 1);
      if (rest) process.stderr.write(rest);
      resolve({ child, url: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`load server exited with ${code} before it was ready`)));
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

/** `aura_process_cpu_seconds_total` (prom-client's default metric: user + system, all threads). */
export function cpuSecondsOf(metrics: string): number {
  return Number(/^aura_process_cpu_seconds_total (\S+)$/m.exec(metrics)?.[1] ?? Number.NaN);
}

/** Time in garbage collection by kind (ms), from prom-client's `aura_nodejs_gc_duration_seconds`. */
export function gcMsOf(metrics: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of metrics.matchAll(/^aura_nodejs_gc_duration_seconds_sum\{kind="(\w+)"\} (\S+)$/gm)) out[m[1]!] = Number(m[2]) * 1000;
  return out;
}

async function serverCpuSeconds(url: string): Promise<number> {
  return cpuSecondsOf(await fetch(`${url}/metrics`).then((r) => r.text()));
}

export async function runLoad(o: LoadOptions): Promise<LoadReport> {
  // The machine's 1-minute load average, at the start and the end: figures from a busy machine are not comparable.
  const loadBefore = os.loadavg()[0]!;
  const secret = randomBytes(32).toString('base64url');
  const { child, url } = await startServer(secret, o.embedder, o.kafka ?? false);
  let results: UserResult[];
  // The server's CPU time (all its threads) while the users run: less sensitive to a busy machine than its latencies.
  const cpuBefore = await serverCpuSeconds(url);
  let cpuSeconds = Number.NaN;
  let gcMs: Record<string, number> = {};
  const started = performance.now();
  // Consumer lag of the pipeline while the users run (records behind, summed over partitions).
  let maxLag = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const stats = (await fetch(`${url}/topology/stats`)
        .then((r) => r.json())
        .catch(() => null)) as { totals?: { lag?: number } } | null;
      maxLag = Math.max(maxLag, stats?.totals?.lag ?? 0);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  let loop = { p99: Number.NaN, max: Number.NaN };
  let hops: Summary[] = [];
  let replySources = { engine: 0, log: 0 };
  try {
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const tokens = await Promise.all(Array.from({ length: o.users }, (_, i) => sign({ sub: `load-user-${i}`, exp }, secret, 'HS256')));
    results = await Promise.all(
      tokens.map((token, i) =>
        simulateUser(url, {
          user: `load-user-${i}`,
          token,
          events: o.eventsPerUser,
          advice: o.advicePerUser,
          thinkMs: o.thinkMs,
          timeoutMs: o.timeoutMs ?? 60_000,
          startDelayMs: (o.rampMs * i) / o.users,
        }),
      ),
    );
    sampling = false;
    await sampler;
    const metrics = await fetch(`${url}/metrics`).then((r) => r.text());
    cpuSeconds = cpuSecondsOf(metrics) - cpuBefore;
    gcMs = gcMsOf(metrics);
    const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1]) * 1000;
    loop = { p99: read('aura_nodejs_eventloop_lag_p99_seconds'), max: read('aura_nodejs_eventloop_lag_max_seconds') };
    hops = hopSummaries(metrics);
    const source = (s: string) => Number(new RegExp(`^aura_gateway_reply_records_total\\{source="${s}"\\} (\\S+)$`, 'm').exec(metrics)?.[1] ?? 0);
    replySources = { engine: source('engine'), log: source('log') };
  } finally {
    sampling = false;
    await stopServer(child);
  }
  const durationMs = performance.now() - started;
  const all = (pick: (r: UserResult) => number[]) => results.flatMap(pick);
  const summaries = [
    summarize(
      'publish (HTTP 201)',
      all((r) => r.publishMs),
    ),
    summarize(
      'publish → ingested status',
      all((r) => r.ingestedMs),
    ),
    summarize(
      'advice → first chunk',
      all((r) => r.firstChunkMs),
    ),
    summarize(
      'advice → final answer',
      all((r) => r.finalMs),
    ),
  ];
  const problems = results.flatMap((r) => r.problems.map((p) => `${r.user}: ${p}`));
  const events = o.users * o.eventsPerUser;
  const advice = o.users * o.advicePerUser;
  const messages = results.reduce((n, r) => n + r.messages, 0);
  const inferred = results.reduce((n, r) => n + r.inferred, 0);
  const complete = summaries[1]!.count === events && summaries[3]!.count === advice;
  const ok = problems.length === 0 && complete;
  const gcText = Object.entries(gcMs)
    .map(([kind, ms]) => `${kind} ${ms.toFixed(0)} ms`)
    .join(', ');
  const text = [
    `${o.users} users × (${o.eventsPerUser} events + ${o.advicePerUser} advice requests), think time ~${o.thinkMs} ms, ramp-up ${o.rampMs} ms, ${o.embedder} embedder, ${o.kafka ? `Kafka at ${process.env.KAFKA_BROKERS}` : 'embedded log'}, ${process.env.AURA_PARTITIONS ?? 6} partitions per topic (AURA_PARTITIONS)`,
    `${events} events and ${advice} answers in ${(durationMs / 1000).toFixed(1)} s (${Math.round((events + advice) / (durationMs / 1000))} requests/s); ${messages} stream messages (${inferred} inferred statuses), ${problems.length} problems`,
    `server: max consumer lag ${maxLag} records (sampled every 250 ms); event loop delay p99 ${loop.p99.toFixed(1)} ms, max ${loop.max.toFixed(1)} ms; CPU ${cpuSeconds.toFixed(2)} s while the users ran (${((cpuSeconds * 1000) / (events + advice)).toFixed(2)} ms per request); GC since the start ${gcText}`,
    `machine: load average ${loadBefore.toFixed(2)} at the start, ${os.loadavg()[0]!.toFixed(2)} at the end (1 min, ${os.cpus().length} CPUs)`,
    '',
    formatTable(summaries),
    '',
    ...targetLines(summaries, o.kafka ? 'kafka' : 'embedded'),
    '',
    `where the time goes, server side (histogram estimates from /metrics; reply records: ${replySources.engine} from the engine at commit, ${replySources.log} read by the reply consumer):`,
    formatTable(hops),
    '',
    ok
      ? 'OK: every status and every chunk arrived, in order, once.'
      : `FAILED:\n${problems.slice(0, 30).join('\n')}${complete ? '' : '\nincomplete: some events or answers never finished'}`,
  ].join('\n');
  return { ok, problems, summaries, durationMs, events, advice, messages, inferred, maxLag, eventLoopDelayMs: loop, cpuSeconds, hops, replySources, text };
}
