/**
 * The outermost decorator: counts operations per store and samples their
 * latency into fixed buckets (histogram-friendly: the runtime maps them onto a
 * Prometheus histogram; nothing here imports prom-client).
 *
 * Latency is sampled, one operation in `sampleEvery`: reading the clock twice
 * costs ~180 ns, about as much as a cached get+put, so timing every call would
 * halve throughput. Counters are exact.
 */
import type {
  ForwardCache,
  ForwardCacheListener,
  KeyValueStore,
  LatencyStats,
  MeteredOp,
  SessionEntry,
  SessionStore,
  WindowedEntry,
  WindowStore,
} from './types.js';

/** Upper bounds (ms) of the latency buckets; a final +Inf bucket follows. */
export const LATENCY_BUCKETS_MS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100] as const;

function emptyStats(): LatencyStats {
  return { count: 0, sumMs: 0, maxMs: 0, buckets: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0) };
}

export class StoreMeter {
  puts = 0;
  gets = 0;
  deletes = 0;
  ranges = 0;
  readonly latency: Record<MeteredOp, LatencyStats> = { put: emptyStats(), get: emptyStats(), delete: emptyStats(), range: emptyStats() };
  private tick = 0;
  private readonly every: number;

  constructor(sampleEvery = 16) {
    this.every = Math.max(1, Math.floor(sampleEvery));
  }

  /** Whether to time this call. */
  sample(): boolean {
    if (++this.tick < this.every) return false;
    this.tick = 0;
    return true;
  }

  record(op: MeteredOp, started: number): void {
    const ms = performance.now() - started;
    const s = this.latency[op];
    s.count++;
    s.sumMs += ms;
    if (ms > s.maxMs) s.maxMs = ms;
    let i = 0;
    while (i < LATENCY_BUCKETS_MS.length && ms > LATENCY_BUCKETS_MS[i]) i++;
    s.buckets[i]++;
  }
}

/** Runs `fn`, timing it when sampled. Kept tiny so V8 inlines it. */
function timed<T>(m: StoreMeter, op: MeteredOp, fn: () => T): T {
  if (!m.sample()) return fn();
  const t0 = performance.now();
  const r = fn();
  m.record(op, t0);
  return r;
}

export class MeteredKeyValueStore<V> implements KeyValueStore<V> {
  readonly name: string;
  constructor(
    private readonly inner: KeyValueStore<V>,
    readonly meter: StoreMeter,
  ) {
    this.name = inner.name;
  }
  get(key: string): V | undefined {
    this.meter.gets++;
    if (!this.meter.sample()) return this.inner.get(key);
    const t0 = performance.now();
    const v = this.inner.get(key);
    this.meter.record('get', t0);
    return v;
  }
  put(key: string, value: V): void {
    this.meter.puts++;
    if (!this.meter.sample()) return this.inner.put(key, value);
    const t0 = performance.now();
    this.inner.put(key, value);
    this.meter.record('put', t0);
  }
  delete(key: string): void {
    this.meter.deletes++;
    timed(this.meter, 'delete', () => this.inner.delete(key));
  }
  all(): Array<[string, V]> {
    this.meter.ranges++;
    return timed(this.meter, 'range', () => this.inner.all());
  }
  range(from: string, to: string): Array<[string, V]> {
    this.meter.ranges++;
    return timed(this.meter, 'range', () => this.inner.range(from, to));
  }
  approximateCount(): number {
    return this.inner.approximateCount();
  }
  recordCache<F>(name: string, listener: ForwardCacheListener<F>, maxBytes?: number): ForwardCache<F> {
    return this.inner.recordCache!(name, listener, maxBytes);
  }
  persistListAsRows(field: string): void {
    this.inner.persistListAsRows!(field);
  }
}

export class MeteredWindowStore<V> implements WindowStore<V> {
  readonly name: string;
  constructor(
    private readonly inner: WindowStore<V>,
    readonly meter: StoreMeter,
  ) {
    this.name = inner.name;
  }
  put(key: string, windowStart: number, value: V): void {
    this.meter.puts++;
    timed(this.meter, 'put', () => this.inner.put(key, windowStart, value));
  }
  get(key: string, windowStart: number): V | undefined {
    this.meter.gets++;
    return timed(this.meter, 'get', () => this.inner.get(key, windowStart));
  }
  delete(key: string, windowStart: number): void {
    this.meter.deletes++;
    timed(this.meter, 'delete', () => this.inner.delete(key, windowStart));
  }
  fetch(key: string, timeFrom: number, timeTo: number): Array<WindowedEntry<V>> {
    this.meter.ranges++;
    return timed(this.meter, 'range', () => this.inner.fetch(key, timeFrom, timeTo));
  }
  fetchAll(timeFrom: number, timeTo: number): Array<WindowedEntry<V>> {
    this.meter.ranges++;
    return timed(this.meter, 'range', () => this.inner.fetchAll(timeFrom, timeTo));
  }
  approximateCount(): number {
    return this.inner.approximateCount();
  }
  recordCache<F>(name: string, listener: ForwardCacheListener<F>, maxBytes?: number): ForwardCache<F> {
    return this.inner.recordCache!(name, listener, maxBytes);
  }
}

export class MeteredSessionStore<V> implements SessionStore<V> {
  readonly name: string;
  constructor(
    private readonly inner: SessionStore<V>,
    readonly meter: StoreMeter,
  ) {
    this.name = inner.name;
  }
  put(key: string, start: number, end: number, value: V): void {
    this.meter.puts++;
    timed(this.meter, 'put', () => this.inner.put(key, start, end, value));
  }
  remove(key: string, start: number, end: number): void {
    this.meter.deletes++;
    timed(this.meter, 'delete', () => this.inner.remove(key, start, end));
  }
  findSessions(key: string, earliestEnd: number, latestStart: number): Array<SessionEntry<V>> {
    this.meter.ranges++;
    return timed(this.meter, 'range', () => this.inner.findSessions(key, earliestEnd, latestStart));
  }
  approximateCount(): number {
    return this.inner.approximateCount();
  }
  recordCache<F>(name: string, listener: ForwardCacheListener<F>, maxBytes?: number): ForwardCache<F> {
    return this.inner.recordCache!(name, listener, maxBytes);
  }
}
