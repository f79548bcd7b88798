/**
 * The resolved topic, store and resource specs of the Pipeline, including what
 * the compiler derives: a compacted changelog per logged store
 * (`<app>-<store>-changelog`, as many partitions as the sub-topology that owns
 * the store) and the two window stores of each stream-stream join.
 */
import path from 'node:path';
import type { Draft } from './draft.js';
import type { ResourceSpec, SourceLocation, StoreSpec, SubTopology, TopicSpec } from './model.js';
import type { StoreWindow } from './semantics.js';
import { joinStoreIds } from './semantics.js';
import type { Path } from './source-doc.js';

// Kafka Streams keeps windowed changelogs a day longer than the windows, so a restore still finds them.
const CHANGELOG_EXTRA_RETENTION_MS = 86_400_000;

type Locate = (path: Path) => SourceLocation;

export function buildStores(draft: Draft, windows: Map<string, StoreWindow>, locate: Locate): Record<string, StoreSpec> {
  const stores: Record<string, StoreSpec> = {};
  for (const store of draft.stores.values()) {
    const window = windows.get(store.id);
    const covered = window ? (window.windowSizeMs ?? 0) + (window.graceMs ?? 0) : undefined;
    stores[store.id] = {
      id: store.id,
      kind: store.kind,
      changelogTopic: store.from || !store.logging ? null : changelogName(draft.app, store.id),
      ...(store.from ? { fromTopic: store.from.value } : {}),
      ...(store.ttlMs !== undefined ? { ttlMs: store.ttlMs } : {}),
      ...(store.kind !== 'key_value' ? { retentionMs: store.retentionMs ?? covered } : {}),
      ...(window?.windowSizeMs !== undefined ? { windowSizeMs: window.windowSizeMs } : {}),
      loc: locate(store.path),
    };
  }
  for (const node of draft.nodes.values()) {
    const join = node.join;
    if (join?.type !== 'stream_stream' || join.windowSizeMs === undefined) continue;
    for (const id of Object.values(joinStoreIds(node.id))) {
      stores[id] = {
        id,
        kind: 'window',
        changelogTopic: changelogName(draft.app, id),
        retentionMs: join.windowSizeMs + (join.graceMs ?? 0),
        windowSizeMs: join.windowSizeMs,
        loc: locate(node.path),
      };
    }
  }
  return stores;
}

export function changelogName(app: string, store: string): string {
  return `${app}-${store}-changelog`;
}

/** `baseDir`: the pipeline file's directory (relative file names in topics are resolved from there). */
export function buildTopics(
  draft: Draft,
  stores: Record<string, StoreSpec>,
  subtopologies: SubTopology[],
  locate: Locate,
  baseDir = '.',
): Record<string, TopicSpec> {
  const topics: Record<string, TopicSpec> = {};
  for (const t of draft.topics.values()) {
    topics[t.id] = {
      id: t.id,
      name: t.name,
      partitions: t.partitions,
      replication: t.replication,
      retentionMs: t.retentionMs,
      cleanup: t.cleanup,
      ...(t.schema ? { schema: t.schema.value } : {}),
      key: t.key,
      ...(t.delivery === 'immediate' ? { delivery: 'immediate' as const } : {}),
      ...(t.format !== 'json' ? { format: t.format } : {}),
      ...(t.avroSchema ? { avroSchema: path.resolve(baseDir, t.avroSchema.value) } : {}),
      internal: false,
      loc: locate(t.path),
    };
  }
  for (const store of Object.values(stores)) {
    if (!store.changelogTopic) continue;
    const owner = subtopologies.find((st) => st.stores.includes(store.id));
    const windowed = store.kind !== 'key_value';
    topics[`${store.id}-changelog`] = {
      id: `${store.id}-changelog`,
      name: store.changelogTopic,
      partitions: owner?.partitions ?? draft.defaults.partitions,
      replication: draft.defaults.replication,
      // -1: kept forever (compaction alone bounds a key-value changelog).
      retentionMs: windowed && store.retentionMs !== undefined ? store.retentionMs + CHANGELOG_EXTRA_RETENTION_MS : -1,
      cleanup: windowed ? 'compact,delete' : 'compact',
      key: draft.defaults.key,
      internal: true,
    };
  }
  return topics;
}

export function buildResources(draft: Draft, locate: Locate): Record<string, ResourceSpec> {
  const resources: Record<string, ResourceSpec> = {};
  for (const r of draft.resources.values()) resources[r.id] = { id: r.id, type: r.type, config: r.config, loc: locate(r.path) };
  return resources;
}
