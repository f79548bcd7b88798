/**
 * What the task manager runs tasks of: each sub-topology on its own, or a
 * fused chain (topology/fusion.ts) — a head sub-topology with the ones fused
 * into it, whose nodes, stores and outputs its tasks carry. A unit's tasks are
 * `<head>_<partition>`; they consume the head's topics only: a fused topic is
 * read in memory, from the sink that writes it.
 */
import type { Pipeline, SubTopology } from '../topology/model.js';

export interface TaskUnit extends SubTopology {
  /** The head first, then the sub-topologies fused into it in data-flow order. */
  members: SubTopology[];
  /** Physical names of the topics its tasks write and read in memory. */
  fusedTopics: string[];
}

export function taskUnits(pipeline: Pipeline): TaskUnit[] {
  const fused = new Set(pipeline.fusion.filter((d) => d.fused).map((d) => d.topic));
  return pipeline.subtopologies
    .filter((st) => st.fusedInto === undefined)
    .map((head) => {
      const members = [head, ...pipeline.subtopologies.filter((st) => st.fusedInto === head.id)];
      const all = <T>(pick: (st: SubTopology) => T[]): T[] => [...new Set(members.flatMap(pick))];
      return {
        ...head,
        nodes: all((st) => st.nodes),
        stores: all((st) => st.stores),
        sinkTopics: all((st) => st.sinkTopics),
        members,
        fusedTopics: members.flatMap((st) => st.sourceTopics.filter((t) => fused.has(t))).map((t) => pipeline.topics[t]!.name),
      };
    });
}

/** The id of the tasks that hold `st`'s nodes and stores: its own, or its chain's head's. */
export function taskSubtopologyId(st: SubTopology): number {
  return st.fusedInto ?? st.id;
}
