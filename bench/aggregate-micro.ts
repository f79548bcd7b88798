/**
 * Cost of the per-user context window alone, per event, without engine, log or
 * SQLite: decode the input JSON, fold it into the window (in-memory store),
 * summarise, encode the output JSON. The floor under bench (a): whatever the
 * engine adds on top of this is log, state and commit overhead.
 *
 *   node --import tsx bench/aggregate-micro.ts [--events N] [--users N]
 */
import { parseArgs } from 'node:util';
import { contextWindowProcessor } from '../processors/aggregate/context-window.js';
import type { ProcessorContext, StreamRecord } from '../processors/types.js';
import { decodeValue, encodeValue } from '../runtime/serde.js';
import type { KeyValueStore } from '../state/types.js';
import { makeEvents } from '../testing/support/events.js';

const { values: args } = parseArgs({ options: { events: { type: 'string', default: '200000' }, users: { type: 'string', default: '1000' } } });
const n = Number(args.events);
const users = Number(args.users);

function mapStore<V>(): KeyValueStore<V> {
  const m = new Map<string, V>();
  return {
    name: 'user_context',
    get: (k) => m.get(k),
    put: (k, v) => void m.set(k, v),
    delete: (k) => void m.delete(k),
    all: () => [...m],
    range: () => [],
    approximateCount: () => m.size,
  };
}

let outBytes = 0;
let out = 0;
const store = mapStore();
const ctx = {
  getKeyValueStore: () => store,
  forward: (r: StreamRecord) => {
    outBytes += encodeValue(r.value)!.length;
    out++;
  },
} as unknown as ProcessorContext;
const handle = contextWindowProcessor(ctx, {
  storeName: 'user_context',
  maxEvents: 50,
  spanMs: 7 * 86_400_000,
  preset: true,
  aggregations: [],
  keyOf: (r) => r.key,
  cache: null,
});
const warm = 50 * users; // JIT warm-up, and every window filled to its 50 events before timing
const inputs = makeEvents(warm + n, users, 42).map((e) => ({ key: e.user_id, buf: encodeValue(e)!, ts: Date.parse(e.time) }));

function run(from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const x = inputs[i]!;
    handle({ key: x.key, value: decodeValue(x.buf), timestamp: x.ts, headers: {} });
  }
}
run(0, warm);
out = 0;
outBytes = 0;
const t0 = performance.now();
run(warm, warm + n);
const s = (performance.now() - t0) / 1000;
// State serialisation, once per key (what a commit does at most once per dirty key).
const t1 = performance.now();
let stateBytes = 0;
for (const [, v] of store.all()) stateBytes += JSON.stringify(v).length;
const perKeyUs = ((performance.now() - t1) * 1000) / users;
process.stdout.write(
  `context window fold+summarise+serde: ${n.toLocaleString('en-US')} events in ${s.toFixed(2)} s = ${Math.round(n / s).toLocaleString('en-US')} events/s ` +
    `(${((s * 1e6) / n).toFixed(2)} µs/event, output ${Math.round(outBytes / out)} B/record; state ${Math.round(stateBytes / users)} B/key, ${perKeyUs.toFixed(1)} µs/key to serialise)\n`,
);
