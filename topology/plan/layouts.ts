/**
 * Store layouts: what a store's existing state depends on. State written under
 * one layout is only valid under the same one — Kafka Streams' "topology
 * changed, state lost" reports are all a layout that moved under state:
 * the partition count and key that decide which task holds a key, the task ids
 * (sub-topology) its local state is filed under, the window its keys encode,
 * the aggregations its values accumulate.
 */

import { parseDuration } from '../../schemas/duration.js';
import type { NodeSpec, Pipeline, StoreKind } from '../model.js';

export interface WindowLayout {
  /** `tumbling`, `hopping`, `sliding`, `session`, `context` (aggregates) or `join` (stream-stream join stores). */
  type: string;
  sizeMs?: number;
  advanceMs?: number;
  gapMs?: number;
  graceMs?: number;
  maxEvents?: number;
  spanMs?: number;
}

export interface StoreLayout {
  store: string;
  kind: StoreKind;
  /** The sub-topology owning the store: its tasks are `<subtopology>_<partition>`. -1 when no node uses it. */
  subtopology: number;
  partitions: number;
  /** Topic ids whose partitioning the state follows (what the owning sub-topology reads). */
  topics: string[];
  /** Key fields of those topics: records reach the task of their key. */
  partitionKeys: string[];
  /** An aggregate's `config.key` (grouping inside the task), when set. */
  groupBy?: string;
  window?: WindowLayout;
  /** Aggregate aggregations, name → `op field` (what each accumulator in the stored value folds). */
  aggregations?: Record<string, string>;
  /** An aggregate's `preset` (the shape of its stored value). */
  preset?: string;
  changelogTopic: string | null;
  /** Tables: the physical name of the topic they are materialised from. */
  fromTopic?: string;
  /** Nodes reading or writing the store, with their types. */
  users: Array<{ node: string; type: string }>;
}

export function storeLayouts(pipeline: Pipeline): Record<string, StoreLayout> {
  const layouts: Record<string, StoreLayout> = {};
  for (const store of Object.values(pipeline.stores)) {
    const owner = pipeline.subtopologies.find((st) => st.stores.includes(store.id));
    const topics = owner ? [...new Set([...owner.sourceTopics, ...owner.tableTopics])].sort() : [];
    const users = Object.values(pipeline.nodes).filter((n) => n.stores.includes(store.id));
    const layout: StoreLayout = {
      store: store.id,
      kind: store.kind,
      subtopology: owner?.id ?? -1,
      partitions: owner?.partitions ?? 0,
      topics,
      partitionKeys: [...new Set(topics.map((t) => pipeline.topics[t]?.key).filter((k): k is string => k !== undefined))].sort(),
      changelogTopic: store.changelogTopic,
      ...(store.fromTopic ? { fromTopic: pipeline.topics[store.fromTopic]?.name ?? store.fromTopic } : {}),
      users: users.map((n) => ({ node: n.id, type: n.type })),
    };
    for (const node of users) Object.assign(layout, fromNode(node, store.id));
    layouts[store.id] = layout;
  }
  return layouts;
}

/** What a node's config says about the layout of a store it uses. */
function fromNode(node: NodeSpec, store: string): Partial<StoreLayout> {
  if (node.join?.leftStore === store || node.join?.rightStore === store)
    return { window: { type: 'join', sizeMs: node.join.windowSizeMs, graceMs: node.join.graceMs } };
  if (node.type !== 'aggregate') return {};
  const config = node.config as {
    key?: string;
    preset?: string;
    window?: Record<string, unknown>;
    aggregations?: Record<string, { op: string; field?: string }>;
  };
  const out: Partial<StoreLayout> = {};
  if (config.key) out.groupBy = config.key;
  if (config.preset) out.preset = config.preset;
  if (config.window) out.window = windowLayout(config.window);
  if (config.aggregations)
    out.aggregations = Object.fromEntries(Object.entries(config.aggregations).map(([name, a]) => [name, a.field ? `${a.op} ${a.field}` : a.op]));
  return out;
}

function windowLayout(w: Record<string, unknown>): WindowLayout {
  const ms = (k: string) => parseDuration(w[k]);
  const layout: WindowLayout = { type: String(w.type) };
  const fields: Array<[keyof WindowLayout, number | undefined]> = [
    ['sizeMs', ms('size')],
    ['advanceMs', ms('advance')],
    ['gapMs', ms('gap')],
    ['graceMs', ms('grace')],
    ['maxEvents', typeof w.max_events === 'number' ? w.max_events : undefined],
    ['spanMs', ms('span')],
  ];
  for (const [k, v] of fields) if (v !== undefined) (layout as unknown as Record<string, number>)[k] = v;
  return layout;
}

/** The parts of a window that give its keys their meaning (grace and context limits do not). */
export function windowShape(w: WindowLayout | undefined): string {
  if (!w) return 'none';
  if (w.type === 'context') return 'context';
  return [w.type, w.sizeMs, w.advanceMs, w.gapMs].filter((x) => x !== undefined).join(' ');
}
