/**
 * Checks one test's expectations against what the driver saw: the records of
 * each listed output topic (all of them, in order per key) and store rows.
 */

import type { Pipeline } from '../../topology/model.js';
import type { Path } from '../../topology/source-doc.js';
import type { TestOutput, TopologyTestDriver } from '../test-driver.js';
import { formatPath, type Mismatch, matchExact, matchPartial, preview } from './match.js';
import type { ExpectedOutput, ExpectedRecord, ExpectedStore } from './test-file.js';

export interface Failure {
  /** One line: what differs. */
  message: string;
  /** Indented lines under it: expected, actual, the record. */
  details: string[];
  /** Where in the test file the expectation is written. */
  path: Path;
}

const SHOWN = 5;

export function checkOutput(exp: ExpectedOutput, actual: TestOutput[]): Failure | undefined {
  const where = `expect_output.${exp.topic}`;
  const byKeyMode = exp.records.length > 0 && exp.records.every((r) => r.key !== undefined);
  if (!byKeyMode) {
    if (exp.records.length !== actual.length) return countFailure(where, exp.path, exp.records.length, actual);
    for (let i = 0; i < actual.length; i++) {
      const f = checkRecord(`${where}[${i}]`, exp.records[i]!, actual[i]!);
      if (f) return f;
    }
    return undefined;
  }
  // Kafka orders records per key (per partition), not across keys: compare the i-th expected record of a key with its i-th record.
  const expectedByKey = group(exp.records, (r) => r.key ?? null);
  const actualByKey = group(actual, (r) => r.key);
  for (const [key, list] of expectedByKey) {
    const got = actualByKey.get(key) ?? [];
    if (got.length !== list.length) return countFailure(`${where} (key ${JSON.stringify(key)})`, list[0]!.path, list.length, got);
  }
  for (const [key, got] of actualByKey) {
    if (!expectedByKey.has(key)) return countFailure(`${where} (key ${JSON.stringify(key)})`, exp.path, 0, got);
  }
  const seen = new Map<string | null, number>();
  for (const [j, r] of exp.records.entries()) {
    const i = seen.get(r.key!) ?? 0;
    seen.set(r.key!, i + 1);
    const f = checkRecord(`${where}[${j}]`, r, actualByKey.get(r.key!)![i]!);
    if (f) return f;
  }
  return undefined;
}

function checkRecord(where: string, exp: ExpectedRecord, actual: TestOutput): Failure | undefined {
  const record = `record:   ${preview({ key: actual.key, value: actual.value }, 400)}`;
  if (exp.key !== undefined && exp.key !== actual.key)
    return { message: `${where}: key is ${JSON.stringify(actual.key)}, expected ${JSON.stringify(exp.key)}`, details: [record], path: [...exp.path, 'key'] };
  const checks: Array<[string, unknown, unknown]> = [];
  if (exp.value !== undefined) checks.push(['value', exp.value, actual.value]);
  if (exp.headers !== undefined) checks.push(['headers', exp.headers, actual.headers]);
  for (const [field, expected, got] of checks) {
    const m = matchPartial(expected, got);
    if (m) return mismatchFailure(where, field, m, [...exp.path, field], [record]);
  }
  return undefined;
}

export function checkStore(exp: ExpectedStore, pipeline: Pipeline, driver: TopologyTestDriver): Failure | undefined {
  const kind = pipeline.stores[exp.store]!.kind;
  const kv = kind === 'key_value' ? driver.readKeyValueStore(exp.store) : undefined;
  for (const entry of exp.entries) {
    const where = `expect_store.${exp.store}[${JSON.stringify(entry.key)}]`;
    if (kv) {
      const actual = kv[entry.key];
      if (entry.value === null) {
        if (actual !== undefined) return { message: `${where}: expected no row, found one`, details: [`actual:   ${preview(actual, 400)}`], path: entry.path };
        continue;
      }
      if (actual === undefined)
        return { message: `${where}: no row for this key`, details: [`keys:     ${preview(Object.keys(kv).slice(0, 20))}`], path: entry.path };
      const m = matchPartial(entry.value, actual);
      if (m) return mismatchFailure(where, '', m, entry.path, [`row:      ${preview(actual, 400)}`]);
      continue;
    }
    // Window and session stores: the key's windows, oldest first, as {start, value} / {start, end, value}.
    const actual =
      kind === 'window'
        ? driver
            .readWindowStore(exp.store)
            .filter((e) => e.key === entry.key)
            .sort((a, b) => a.windowStart - b.windowStart)
            .map((e) => ({ start: e.windowStart, value: e.value }))
        : driver.readSessionStore(exp.store, entry.key).map((s) => ({ start: s.start, end: s.end, value: s.value }));
    const expected = entry.value === null ? [] : entry.value;
    if (!Array.isArray(expected))
      return { message: `${where}: a ${kind} store holds a list of windows per key; write the expected windows as a list`, details: [], path: entry.path };
    const m =
      expected.length === actual.length
        ? expected.map((e, i) => matchPartial(e, actual[i], [i])).find((x) => x)
        : matchExact(expected.length, actual.length, ['length']);
    if (m) return mismatchFailure(where, '', m, entry.path, [`windows:  ${preview(actual, 400)}`]);
  }
  return undefined;
}

function mismatchFailure(where: string, field: string, m: Mismatch, path: Path, extra: string[]): Failure {
  const inner = formatPath(m.path);
  const at = [field, inner].filter((s) => s !== '').join(inner.startsWith('[') ? '' : '.');
  return {
    message: `${where}${at ? `: ${at}` : ''} ${m.reason ? `(${m.reason})` : 'differs'}`,
    details: [`expected: ${preview(m.expected)}`, `actual:   ${preview(m.actual)}`, ...extra],
    // Point at the expected value itself when it is written in the file (the deepest existing node otherwise).
    path: [...path, ...m.path],
  };
}

function countFailure(where: string, path: Path, expected: number, actual: TestOutput[]): Failure {
  const plural = (n: number) => `${n} record${n === 1 ? '' : 's'}`;
  const shown = actual.slice(0, SHOWN).map((r) => `got:      key ${JSON.stringify(r.key)} ${preview(r.value, 200)}`);
  if (actual.length > SHOWN) shown.push(`          … and ${actual.length - SHOWN} more`);
  return { message: `${where}: expected ${plural(expected)}, got ${plural(actual.length)}`, details: shown, path };
}

function group<T>(list: T[], keyOf: (x: T) => string | null): Map<string | null, T[]> {
  const out = new Map<string | null, T[]>();
  for (const x of list) out.set(keyOf(x), [...(out.get(keyOf(x)) ?? []), x]);
  return out;
}
