/**
 * Checks that need the whole pipeline: names used twice, stores of the right
 * kind and retention for their processor, the dead letter topic, and what is
 * declared but never used.
 */

import { formatDuration } from '../schemas/duration.js';
import type { Diagnostics } from './diagnostics.js';
import type { Draft } from './draft.js';
import type { Links } from './references.js';
import { nodeLabel } from './references.js';

/** What the processor using a window or session store says about its windows. */
export interface StoreWindow {
  windowSizeMs?: number;
  graceMs?: number;
}

/** Names of the two window stores of a stream-stream join. */
export function joinStoreIds(joinId: string): { left: string; right: string } {
  return { left: `${joinId}_left`, right: `${joinId}_right` };
}

export function checkSemantics(draft: Draft, links: Links, diags: Diagnostics): Map<string, StoreWindow> {
  checkDeadLetter(draft, diags);
  checkDuplicates(draft, diags);
  const windows = checkStores(draft, links, diags);
  // Unused declarations are usually the echo of an error elsewhere (a misspelt reference): report them on an otherwise valid pipeline.
  if (!diags.hasErrors()) checkUnused(draft, links, diags);
  return windows;
}

function checkDeadLetter(draft: Draft, diags: Diagnostics): void {
  if (draft.deadLetterTopic) return;
  if (draft.defaults.onError === 'dead_letter') {
    diags.report(
      'MISSING_FIELD',
      ['defaults', 'on_error'],
      'defaults: on_error is "dead_letter" but "dead_letter_topic" is not set: name the topic that receives failed records',
    );
    return;
  }
  for (const node of draft.nodes.values()) {
    if (node.onError === 'dead_letter')
      diags.report('MISSING_FIELD', [...node.path, 'on_error'], `${nodeLabel(node)}: on_error is "dead_letter" but defaults.dead_letter_topic is not set`);
  }
}

function checkDuplicates(draft: Draft, diags: Diagnostics): void {
  const byName = new Map<string, string>();
  for (const topic of draft.topics.values()) {
    const first = byName.get(topic.name);
    if (first !== undefined)
      diags.report(
        'DUPLICATE_NAME',
        [...topic.path, 'name'],
        `topic "${topic.id}" has the same name "${topic.name}" as topic "${first}": one Kafka topic would be declared twice`,
      );
    else byName.set(topic.name, topic.id);
  }
  for (const node of draft.nodes.values()) {
    if (draft.topics.has(node.id))
      diags.report('DUPLICATE_NAME', node.path, `${nodeLabel(node)} has the same id as topic "${node.id}": a reference to "${node.id}" would be ambiguous`, {
        target: 'key',
      });
    if (node.join?.type === 'stream_stream') {
      for (const id of Object.values(joinStoreIds(node.id))) {
        const store = draft.stores.get(id);
        if (store)
          diags.report(
            'DUPLICATE_NAME',
            store.path,
            `store "${id}" has the name of a window store of ${nodeLabel(node)} (a stream_stream join keeps "${node.id}_left" and "${node.id}_right"): rename it`,
            { target: 'key' },
          );
      }
    }
  }
  const changelogs = new Set([...draft.stores.values()].filter((s) => !s.from && s.logging).map((s) => `${draft.app}-${s.id}-changelog`));
  for (const topic of draft.topics.values()) {
    if (changelogs.has(topic.name))
      diags.report('DUPLICATE_NAME', [...topic.path, 'name'], `topic "${topic.id}": "${topic.name}" is the changelog topic of a store; pick another name`);
  }
}

/** Each store-needing processor has a store of the right kind, with a retention that covers its windows. */
function checkStores(draft: Draft, links: Links, diags: Diagnostics): Map<string, StoreWindow> {
  const windows = new Map<string, StoreWindow>();
  for (const node of draft.nodes.values()) {
    const requirement = node.config ? node.spec?.storeRequirement?.(node.config) : undefined;
    if (!requirement) continue;
    const storeIds = links.nodeStores.get(node.id) ?? [];
    if (node.stores.length === 0) {
      diags.report(
        'MISSING_STORE',
        node.path,
        `${nodeLabel(node)}: ${node.type} processors keep their state in a store: add "store: <id>" naming a ${requirement.kind} store declared under stores:`,
        { target: 'key' },
      );
      continue;
    }
    const storeId = storeIds[0];
    const store = storeId === undefined ? undefined : draft.stores.get(storeId);
    if (!store) continue;
    const ref = node.stores[0];
    if (store.from) {
      diags.report(
        'STORE_KIND_MISMATCH',
        ref.path,
        `${nodeLabel(node)}: store "${store.id}" is a table materialised from topic "${store.from.value}" and cannot hold this processor's state; declare a store without "from:"`,
      );
      continue;
    }
    if (store.kind !== requirement.kind) {
      const window = (node.config?.window as { type?: string } | undefined)?.type;
      const what = window ? `a ${window} window` : 'this aggregate';
      diags.report(
        'STORE_KIND_MISMATCH',
        ref.path,
        `${nodeLabel(node)}: ${what} needs a ${requirement.kind} store, but store "${store.id}" is a ${store.kind} store`,
      );
      continue;
    }
    if (requirement.kind === 'key_value') continue;
    windows.set(store.id, { windowSizeMs: requirement.windowSizeMs, graceMs: requirement.graceMs });
    const needed = (requirement.windowSizeMs ?? 0) + (requirement.graceMs ?? 0);
    if (store.retentionMs !== undefined && store.retentionMs < needed)
      diags.report(
        'INVALID_WINDOW',
        [...store.path, 'retention'],
        `store "${store.id}": retention ${formatDuration(store.retentionMs)} is shorter than the windows of ${nodeLabel(node)} (size + grace = ${formatDuration(needed)}): windows would be dropped before they close`,
      );
  }
  return windows;
}

function checkUnused(draft: Draft, links: Links, diags: Diagnostics): void {
  const usedStores = new Set([...links.nodeStores.values()].flat());
  const usedTopics = new Set<string>([
    ...links.inputs.flatMap((i) => (i.from.kind === 'topic' ? [i.from.topic] : [])),
    ...links.outputs.map((o) => o.topic),
    ...[...draft.stores.values()].flatMap((s) => (s.from ? [s.from.value] : [])),
    ...(draft.deadLetterTopic ? [draft.deadLetterTopic.value] : []),
  ]);
  // References that failed to resolve still count as uses: the error is reported there, a second warning would be noise.
  for (const node of draft.nodes.values()) {
    for (const ref of [...node.inputs, ...node.outputs.map((o) => o.topic)]) usedTopics.add(ref.value.split('.')[0]);
    for (const ref of node.stores) usedStores.add(ref.value);
  }
  for (const topic of draft.topics.values()) {
    if (!usedTopics.has(topic.id))
      diags.report('UNUSED_TOPIC', topic.path, `topic "${topic.id}" is declared but no processor or join reads or writes it`, { target: 'key' });
  }
  for (const store of draft.stores.values()) {
    if (!usedStores.has(store.id))
      diags.report('UNUSED_STORE', store.path, `store "${store.id}" is declared but no processor or join uses it`, { target: 'key' });
  }
}
