/**
 * The per-dirty-key encoding at commit of the per-user stats workload
 * (bench/stats.yaml), before and after "embcommit" (docs/benchmarks.md), in
 * one process, interleaved round by round so that a busy machine slows both
 * alike:
 *
 * - state, before: the state's JSON string (accs-json.ts STORE_JSON), then a
 *   Buffer of it for the changelog record (the SQLite row took the string);
 *   after: its UTF-8 bytes written once into the store's arena (STORE_JSON_BYTES,
 *   state/json-arena.ts), shared by the changelog record and the row.
 * - output, before: a plain `{key, …}` object and JSON.stringify + Buffer.from;
 *   after: the output builder's object (processors/aggregate/output-json.ts)
 *   and the JSON serde's byte path (runtime/serde.ts).
 *
 *   node --import tsx bench/micro/commit-encode.ts [keys] [rounds]
 */
import { type Accs, accsShape } from '../../processors/aggregate/accs-json.js';
import { compileAggregations } from '../../processors/aggregate/accumulators.js';
import { outputBuilder } from '../../processors/aggregate/output-json.js';
import { encodeValue } from '../../runtime/serde.js';
import { JsonArena, valueJson } from '../../state/json-arena.js';
import { toJson } from '../../state/list-rows.js';
import { makeStatsEvents } from '../stats-events.js';

const keys = Number(process.argv[2] ?? 10_000);
const rounds = Number(process.argv[3] ?? 30);
const aggs = compileAggregations({
  count: { op: 'count' },
  score_sum: { op: 'sum', field: 'score' },
  score_min: { op: 'min', field: 'score' },
  score_max: { op: 'max', field: 'score' },
  score_avg: { op: 'avg', field: 'score' },
  minutes_sum: { op: 'sum', field: 'minutes' },
  last_ts: { op: 'last', field: 'ts' },
} as never);
const shape = accsShape(aggs);
const build = outputBuilder(aggs);

// The states after 100 events per key on average, as the bench's input folds them.
const states = new Map<string, Accs>();
for (const e of makeStatsEvents(keys * 100, keys)) {
  let s = states.get(e.user_id);
  if (s === undefined) states.set(e.user_id, (s = shape.create()));
  for (const a of aggs) a.fold((s[a.name] ??= a.create()), e);
}
const entries = [...states];

function plainOutput(key: string, accs: Accs): Record<string, unknown> {
  const out: Record<string, unknown> = { key };
  for (const a of aggs) out[a.name] = a.result(accs[a.name]);
  return out;
}

let sink = 0;
const variants: Record<string, () => void> = {
  'state, before (string + Buffer)': () => {
    for (const [k, s] of entries) sink += Buffer.from(toJson('s', k, s), 'utf8').length;
  },
  'state, after (bytes in the arena)': () => {
    const arena = new JsonArena();
    for (const [k, s] of entries) sink += valueJson('s', k, s, arena).length;
  },
  'output, before (plain object, stringify + Buffer)': () => {
    for (const [k, s] of entries) sink += Buffer.from(JSON.stringify(plainOutput(k, s)), 'utf8').length;
  },
  'output, after (builder + serde bytes)': () => {
    for (const [k, s] of entries) sink += encodeValue(build(k, s))!.length;
  },
};

const cpu = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  for (const [name, run] of Object.entries(variants)) {
    const t0 = process.cpuUsage();
    run();
    const t = process.cpuUsage(t0);
    if (r >= 3) (cpu.get(name) ?? cpu.set(name, []).get(name)!).push(((t.user + t.system) * 1000) / entries.length);
  }
}
for (const [name, ns] of cpu) {
  ns.sort((a, b) => a - b);
  process.stdout.write(
    `${name}: median ${ns[ns.length >> 1]!.toFixed(0)} ns CPU per key (min ${ns[0]!.toFixed(0)}, ${ns.length} rounds of ${entries.length} keys)\n`,
  );
}
if (sink === 0) process.stdout.write('\n');
