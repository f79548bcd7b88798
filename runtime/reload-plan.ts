/**
 * Which tasks a pipeline change restarts (`aura serve --watch`, engine.applyPipeline).
 * A task unit (task-units.ts) whose compiled form — its nodes and their config, the
 * edges between them, its stores, the topics it reads and writes, its partition count —
 * is the same in both pipelines keeps its tasks running: no close, no restore, its state
 * and in-flight records untouched. Units that changed, appeared or disappeared restart.
 *
 * Some changes reach what the whole engine was built with (the consumer's co-partitioned
 * topic sets, the producer's fused topics, the registry serdes, the resources, the
 * defaults) or would give a processor other task ids: those cannot be applied in place,
 * and the plan says why; the caller then replaces the whole engine (runtime/app-swap.ts).
 */
import { canonicalJson } from '../common/canonical-json.js';
import type { Pipeline } from '../topology/model.js';
import { type TaskUnit, taskSubtopologyId, taskUnits } from './task-units.js';

export type ReloadPlan =
  | {
      inPlace: true;
      /** Units whose tasks are closed (changed or removed), by id. */
      stopped: number[];
      /** Units whose tasks are created anew (changed or added), by id. */
      started: number[];
      /** Units whose tasks keep running. */
      kept: number[];
    }
  | { inPlace: false; reason: string };

/** The compiled form of one task unit, as comparable text: equal text = nothing of it changed. */
export function unitFingerprint(pipeline: Pipeline, unit: TaskUnit): string {
  const nodes = new Set(unit.nodes);
  const memberTopics = unit.members.flatMap((st) => [...st.sourceTopics, ...st.tableTopics, ...st.sinkTopics]);
  const topicIds = [...new Set([...unit.sourceTopics, ...unit.tableTopics, ...unit.sinkTopics, ...memberTopics])].sort();
  return canonicalJson({
    id: unit.id,
    partitions: unit.partitions,
    members: unit.members.map((st) => ({ ...st })),
    fusedTopics: unit.fusedTopics,
    nodes: unit.nodes.map((id) => withoutLoc(pipeline.nodes[id])),
    edges: pipeline.edges.filter((e) => nodes.has(e.from) || nodes.has(e.to)),
    stores: unit.stores.map((id) => withoutLoc(pipeline.stores[id])),
    topics: topicIds.map((id) => withoutLoc(pipeline.topics[id])),
  });
}

/** The topic sets whose partition n one member must own (the consumer is built with them). */
export function copartitionedGroups(pipeline: Pipeline): string[][] {
  return pipeline.subtopologies.map((st) => [...st.sourceTopics, ...st.tableTopics].map((id) => pipeline.topics[id]!.name)).filter((g) => g.length > 1);
}

/** What applying `next` to an engine running `current` restarts, or why it cannot be done in place. */
export function planReload(current: Pipeline, next: Pipeline): ReloadPlan {
  const reason = engineWideChange(current, next) ?? movedTaskIds(current, next);
  if (reason) return { inPlace: false, reason };
  const before = new Map(taskUnits(current).map((u) => [u.id, unitFingerprint(current, u)]));
  const after = new Map(taskUnits(next).map((u) => [u.id, unitFingerprint(next, u)]));
  const kept = [...after.keys()].filter((id) => before.get(id) === after.get(id));
  return {
    inPlace: true,
    stopped: [...before.keys()].filter((id) => !kept.includes(id)),
    started: [...after.keys()].filter((id) => !kept.includes(id)),
    kept,
  };
}

/** A change to what the engine's clients and shared parts were built with, in words; undefined when none. */
function engineWideChange(current: Pipeline, next: Pipeline): string | undefined {
  const same = (pick: (p: Pipeline) => unknown) => canonicalJson(pick(current)) === canonicalJson(pick(next));
  if (current.app !== next.app) return 'the app name changed (another consumer group)';
  if (!same((p) => p.defaults)) return 'the defaults changed (they apply to every task)';
  if (!same((p) => p.kafka)) return 'the kafka: client settings changed';
  if (!same((p) => Object.values(p.resources).map(withoutLoc))) return 'the resources changed (they are shared by every task)';
  if (
    !same((p) =>
      Object.values(p.topics)
        .filter((t) => t.format)
        .map(withoutLoc),
    )
  )
    return 'a Schema Registry topic changed (the serdes are built at start)';
  const immediate = (p: Pipeline) => Object.values(p.topics).some((t) => t.delivery === 'immediate');
  if (immediate(next) && !immediate(current)) return 'the first `delivery: immediate` topic (its sender is created at start)';
  if (
    !same((p) =>
      copartitionedGroups(p)
        .map((g) => [...g].sort())
        .sort(),
    )
  )
    return 'the co-partitioned topic sets changed (the consumer is built with them)';
  if (
    !same((p) =>
      taskUnits(p)
        .flatMap((u) => u.fusedTopics)
        .sort(),
    )
  )
    return 'the fused topics changed (the producer is built with them)';
  return undefined;
}

/** A processor or store that would run under other task ids: its state and offsets belong to the old ones. */
function movedTaskIds(current: Pipeline, next: Pipeline): string | undefined {
  const owners = (p: Pipeline) => {
    const nodes = new Map<string, number>();
    const stores = new Map<string, number>();
    for (const st of p.subtopologies) {
      for (const id of st.nodes) nodes.set(id, taskSubtopologyId(st));
      for (const id of st.stores) stores.set(id, taskSubtopologyId(st));
    }
    return { nodes, stores };
  };
  const a = owners(current);
  const b = owners(next);
  for (const [id, unit] of b.nodes) {
    const was = a.nodes.get(id);
    if (was !== undefined && was !== unit) return `node ${id} would move from tasks ${was}_* to ${unit}_* (task ids shift)`;
  }
  for (const [id, unit] of b.stores) {
    const was = a.stores.get(id);
    if (was !== undefined && was !== unit) return `store ${id} would move from tasks ${was}_* to ${unit}_* (task ids shift)`;
  }
  return undefined;
}

function withoutLoc<T extends { loc?: unknown }>(spec: T | undefined): Omit<T, 'loc'> | undefined {
  if (!spec) return undefined;
  const { loc: _loc, ...rest } = spec;
  return rest;
}
