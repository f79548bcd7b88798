/**
 * Which task units a pipeline change restarts, from compiled pipelines: only the units whose
 * compiled form changed (config, stores, topics, partitions), came or went; changes to what the
 * whole engine is built with, and processors that would run under other task ids, are refused
 * in place with the reason.
 */
import { describe, expect, it } from 'vitest';
import { compilePipeline } from '../topology/compile.js';
import type { Pipeline } from '../topology/model.js';
import { planReload } from './reload-plan.js';

const BASE = `app: plan-reload
defaults:
  partitions: 2
topics:
  user_events: { name: pr.user.events }
  context_aggregated: { name: pr.context.aggregated }
  raw_events: { name: pr.raw.events }
  stamped: { name: pr.stamped }
stores:
  user_context: { kind: key_value }
processors:
  aggregate_context:
    type: aggregate
    from: user_events
    to: context_aggregated
    store: user_context
    config: { preset: context_window }
  stamp:
    type: map
    from: raw_events
    to: stamped
    config: { value: '{ "v": 1 }' }
`;
const EXTRA = `  other_events: { name: pr.other.events }
  other_out: { name: pr.other.out }
`;
const EXTRA_PROCESSOR = `  keep_other:
    type: filter
    from: other_events
    to: other_out
    config: { condition: "data.score > 1" }
`;

function compile(source: string): Pipeline {
  const result = compilePipeline(source, '/tmp/plan-reload/pipeline.yaml', { env: {} });
  if (!result.pipeline) throw new Error(JSON.stringify(result.diagnostics));
  return result.pipeline;
}

const base = compile(BASE);
const unitOf = (p: Pipeline, node: string) => p.subtopologies.find((st) => st.nodes.includes(node))!.id;

describe('planReload', () => {
  it('keeps every unit when nothing compiled changed (locations and key order do not count)', () => {
    const moved = compile(`# a comment moves every location\n${BASE.replace('config: { value: \'{ "v": 1 }\' }', 'config:\n      value: \'{ "v": 1 }\'')}`);
    expect(planReload(base, moved)).toEqual({ inPlace: true, stopped: [], started: [], kept: [0, 1] });
  });

  it('restarts only the unit whose processor config changed', () => {
    const next = compile(BASE.replace('"v": 1', '"v": 2'));
    const stamp = unitOf(base, 'stamp');
    const window = unitOf(base, 'aggregate_context');
    expect(planReload(base, next)).toEqual({ inPlace: true, stopped: [stamp], started: [stamp], kept: [window] });
  });

  it('restarts the unit whose output topic changed, and starts a new unit without touching the others', () => {
    const renamed = compile(BASE.replace('pr.stamped', 'pr.stamped.v2'));
    expect(planReload(base, renamed)).toMatchObject({ inPlace: true, stopped: [unitOf(base, 'stamp')], kept: [unitOf(base, 'aggregate_context')] });
    const added = compile(BASE.replace('stores:', `${EXTRA}stores:`).concat(EXTRA_PROCESSOR));
    const extra = unitOf(added, 'keep_other');
    expect(planReload(base, added)).toEqual({ inPlace: true, stopped: [], started: [extra], kept: [0, 1] });
    expect(planReload(added, base)).toEqual({ inPlace: true, stopped: [extra], started: [], kept: [0, 1] });
  });

  it('refuses in place what the whole engine is built with, and task ids that would shift', () => {
    const defaults = compile(BASE.replace('partitions: 2\n', 'partitions: 2\n  commit_interval: 5s\n'));
    expect(planReload(base, defaults)).toEqual({ inPlace: false, reason: expect.stringContaining('defaults') });
    const resources = compile(BASE.replace('processors:', 'resources:\n  context_vectors: { type: embedded, path: vectors.db }\nprocessors:'));
    expect(planReload(base, resources)).toMatchObject({ inPlace: false, reason: expect.stringContaining('resources') });
    // A new sub-topology written before the others takes id 0: every existing processor would move.
    const first = compile(BASE.replace('stores:', `${EXTRA}stores:`).replace('processors:\n', `processors:\n${EXTRA_PROCESSOR}`));
    expect(unitOf(first, 'keep_other')).toBe(0);
    expect(planReload(base, first)).toEqual({
      inPlace: false,
      reason: expect.stringMatching(/^node .* would move from tasks \d_\* to \d_\* \(task ids shift\)$/),
    });
  });
});
