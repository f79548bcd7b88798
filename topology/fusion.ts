/**
 * Fused sub-topologies. A topic written by one sub-topology and read by
 * another is a hop: the reader's tasks see a record only after the writer's
 * transaction committed and their own fetch returned it. When the reader can
 * run in the writer's tasks without changing what any task sees — the same
 * partition count, the same key all the way, nothing else to consume — the
 * compiler fuses them: the reader's nodes join the writer's tasks, records pass
 * in memory and are committed in the writer's transaction, and the topic still
 * receives every record (other consumers, replay, Kafka UI). Fused chains grow:
 * a reader fused into its writer can have its own output fused in turn.
 *
 * Every declared topic gets a decision with its reason (`aura describe`).
 * What the runtime does with them: runtime/task-units.ts; why exactly-once
 * holds: docs/architecture.md, "Fused sub-topologies".
 */
import type { ProcessorRegistry } from '../processors/registry.js';
import type { Draft, DraftTopic } from './draft.js';
import type { Graph } from './graph.js';
import { sourceId } from './graph.js';
import type { FusionDecision, SubTopology } from './model.js';

export function planFusion(draft: Draft, graph: Graph, subtopologies: SubTopology[], processors: ProcessorRegistry): FusionDecision[] {
  const byId = new Map(subtopologies.map((st) => [st.id, st]));
  const ofNode = new Map<string, SubTopology>();
  for (const st of subtopologies) for (const id of st.nodes) ofNode.set(id, st);
  const headOf = (st: SubTopology): SubTopology => (st.fusedInto === undefined ? st : byId.get(st.fusedInto)!);
  const writersOf = (topic: string): SubTopology[] => {
    const sinks = [...graph.nodes.values()].filter((n) => n.kind === 'sink' && n.topic === topic);
    return [...new Set(sinks.map((n) => ofNode.get(n.id)!))];
  };
  // Writers before readers: sub-topologies are numbered in data-flow order.
  const firstWriter = (t: DraftTopic) => Math.min(...writersOf(t.id).map((st) => st.id), Number.MAX_SAFE_INTEGER);
  const ordered = [...draft.topics.values()].sort((a, b) => firstWriter(a) - firstWriter(b));
  const decided = new Map<string, FusionDecision>();
  for (const topic of ordered) decided.set(topic.id, decide(topic));
  return [...draft.topics.keys()].map((id) => decided.get(id)!);

  function decide(topic: DraftTopic): FusionDecision {
    const writers = writersOf(topic.id);
    const source = graph.nodes.get(sourceId(topic.id));
    const reader = source ? ofNode.get(source.id) : undefined;
    const no = (reason: string): FusionDecision => ({
      topic: topic.id,
      fused: false,
      reason,
      ...(writers.length === 1 ? { writer: writers[0]!.id } : {}),
      ...(reader ? { reader: reader.id } : {}),
    });
    if (writers.length === 0) {
      if (draft.deadLetterTopic?.value === topic.id) return no('the dead letter topic: written by failure policies, not by a processor');
      return no('no processor writes it: its records come from outside the pipeline');
    }
    if (!reader) {
      const tables = [...draft.stores.values()].filter((s) => s.from?.value === topic.id).map((s) => `"${s.id}"`);
      return no(tables.length > 0 ? `read only as the table ${tables.join(', ')}: a table is read from the topic` : 'no processor of the pipeline reads it');
    }
    if (!topic.fuse) return no('fuse: false');
    if (topic.delivery === 'immediate') return no('delivery: immediate: its records leave outside the transaction, so its reader must read them from the log');
    if (writers.length > 1) return no(`written by sub-topologies ${writers.map((w) => w.id).join(' and ')}: a reader can run in the tasks of one writer only`);
    const writer = writers[0]!;
    const head = headOf(writer);
    if (headOf(reader) === head) return no(`written and read in the same tasks (sub-topology ${head.id}): a loop through the topic`);
    const others = reader.sourceTopics.filter((t) => t !== topic.id);
    if (others.length > 0) return no(`its reader, sub-topology ${reader.id}, also reads ${quoted(others)}, which its tasks must consume from the log`);
    if (reader.tableTopics.length > 0)
      return no(`its reader, sub-topology ${reader.id}, keeps the table of ${quoted(reader.tableTopics)}, updated from the log`);
    if (topic.partitions !== head.partitions) {
      return no(`${topic.partitions} partitions, the writer's tasks ${head.partitions}: a record would belong to another task than the one that wrote it`);
    }
    const inputKeys = new Set(writer.sourceTopics.map((t) => draft.topics.get(t)?.key).filter((k) => k !== undefined));
    const otherKey = [...inputKeys].find((k) => k !== topic.key);
    if (otherKey !== undefined) return no(`keyed by "${topic.key}" while its writer's input is keyed by "${otherKey}"`);
    const rekey = rekeyingNode(writer, topic.id);
    if (rekey) return no(`processor "${rekey}" may change the key between the writer's input and the topic`);
    reader.fusedInto = head.id;
    const via = writer === head ? '' : ` (itself fused into ${head.id})`;
    const tables = [...draft.stores.values()].filter((s) => s.from?.value === topic.id).map((s) => `"${s.id}"`);
    const alsoTable = tables.length > 0 ? `; the table ${tables.join(', ')} still reads the topic` : '';
    return {
      topic: topic.id,
      fused: true,
      reason: `sub-topology ${reader.id} runs in the tasks of sub-topology ${head.id}: written by ${writer.id}${via}, read as a stream by ${reader.id} only, ${topic.partitions} partitions on both sides, the key kept all the way${alsoTable}`,
      writer: writer.id,
      reader: reader.id,
    };
  }

  /** A processor on a path from the writer's sources to the topic's sinks that declares it may change the key. */
  function rekeyingNode(writer: SubTopology, topic: string): string | undefined {
    const inWriter = new Set(writer.nodes);
    const next = new Map<string, string[]>();
    const prev = new Map<string, string[]>();
    for (const e of graph.edges) {
      if (!inWriter.has(e.from) || !inWriter.has(e.to)) continue;
      next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
      prev.set(e.to, [...(prev.get(e.to) ?? []), e.from]);
    }
    const reach = (starts: string[], edges: Map<string, string[]>): Set<string> => {
      const seen = new Set(starts);
      for (const todo = [...starts]; todo.length > 0; ) for (const n of edges.get(todo.pop()!) ?? []) if (!seen.has(n) && seen.add(n)) todo.push(n);
      return seen;
    };
    const fromSources = reach(
      writer.nodes.filter((id) => graph.nodes.get(id)?.kind === 'source'),
      next,
    );
    const toSinks = reach(
      writer.nodes.filter((id) => graph.nodes.get(id)?.kind === 'sink' && graph.nodes.get(id)?.topic === topic),
      prev,
    );
    return writer.nodes.find((id) => {
      const node = graph.nodes.get(id)!;
      if (node.kind !== 'processor' || !fromSources.has(id) || !toSinks.has(id)) return false;
      return processors.get(node.type)?.changesKey?.(node.config) ?? false;
    });
  }
}

const quoted = (ids: string[]): string => ids.map((id) => `"${id}"`).join(', ');
