/**
 * A peer's topology snapshot is input: parseSnapshot keeps what the contract
 * (schemas.ts: `TopologyInstance`) allows and refuses numbers outside its
 * bounds, so a broken or hostile peer cannot make `/topology/cluster` answer
 * what its own contract forbids.
 */
import { describe, expect, it } from 'vitest';
import { compileSchema, fieldErrors } from '../openapi/validate.js';
import { InstanceSnapshotSchema } from './schemas.js';
import { parseSnapshot } from './snapshot.js';

const NODES = ['user_events-source', 'aggregate_context'];
const numbers = { processed: 10, errors: 1, rate: 2.5, errorRate: 0.1, latencyAvgMs: 3.2, busy: 0.4, utilization: 0.4 };

function peer(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    instance: 'gw-b',
    at: 1_700_000_000_000,
    tasks: ['0_1', '1_1'],
    nodes: { 'user_events-source': { ...numbers }, aggregate_context: { ...numbers, busy: 0.9, utilization: 0.9 } },
    series: { start: 1_700_000_000_000, stepMs: 2_000, nodes: { aggregate_context: { rate: [1, 2], busy: [0.5, 0.9] } } },
    totals: { recordsConsumed: 5, recordsProduced: 4, deadLetters: 0, commits: 3 },
    ...over,
  };
}

const valid = (v: unknown) => fieldErrors(compileSchema(InstanceSnapshotSchema), v);

describe('parseSnapshot', () => {
  it("keeps a peer's snapshot as the contract declares it, dropping what it does not", () => {
    const raw = peer();
    (raw.nodes as Record<string, Record<string, unknown>>).aggregate_context!.extra = 'from a newer peer';
    (raw.nodes as Record<string, unknown>).not_in_this_pipeline = { ...numbers };
    const s = parseSnapshot(raw, NODES)!;
    expect(valid(s)).toEqual([]);
    expect(s.nodes.aggregate_context).toEqual({ ...numbers, busy: 0.9, utilization: 0.9 });
    expect(Object.keys(s.nodes).sort()).toEqual([...NODES].sort());
    expect(s.series.nodes.aggregate_context).toEqual({ rate: [1, 2], busy: [0.5, 0.9] });
  });

  it('refuses node numbers outside their bounds: negative, not finite, utilization above 1', () => {
    for (const bad of [{ utilization: 1.5 }, { rate: -1 }, { busy: Number.NaN }, { errors: '3' }]) {
      const raw = peer({ nodes: { aggregate_context: { ...numbers, ...bad } } });
      expect(parseSnapshot(raw, NODES), JSON.stringify(bad)).toBeUndefined();
    }
    expect(parseSnapshot(peer({ at: -5 }), NODES)).toBeUndefined();
    expect(parseSnapshot(peer({ tasks: 'all' }), NODES)).toBeUndefined();
    expect(parseSnapshot('not an object', NODES)).toBeUndefined();
  });

  it('reads negative or missing totals and sparkline points as none', () => {
    const s = parseSnapshot(
      peer({
        totals: { recordsConsumed: -7, commits: 2 },
        series: { start: 1_700_000_000_000, stepMs: 2_000, nodes: { aggregate_context: { rate: [-1, 'x', 3], busy: [] } } },
      }),
      NODES,
    )!;
    expect(s.totals).toEqual({ recordsConsumed: 0, recordsProduced: 0, deadLetters: 0, commits: 2 });
    expect(s.series.nodes.aggregate_context!.rate).toEqual([0, 0, 3]);
    expect(valid(s)).toEqual([]);
  });
});
