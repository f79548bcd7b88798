/**
 * Resolves every reference of the draft — what nodes read and write, stores,
 * resources, event schemas, the dead letter topic — reporting unknown names
 * with the closest known one.
 */

import { closest, didYouMean } from '../common/suggest.js';
import { ROLE_LABELS } from '../providers/resource.js';
import type { EventSchemaSet } from '../schemas/event-schemas.js';
import type { Diagnostics } from './diagnostics.js';
import type { Draft, DraftNode, Ref } from './draft.js';
import { fieldName } from './labels.js';

export type Upstream = { kind: 'topic'; topic: string } | { kind: 'node'; node: string; port: string };

export interface Input {
  node: string;
  from: Upstream;
  ref: Ref;
  /** Joins: which side this input feeds. */
  side?: 'left' | 'right';
}

export interface Output {
  node: string;
  port: string;
  topic: string;
  ref: Ref;
}

export interface Links {
  inputs: Input[];
  outputs: Output[];
  /** Resolved store ids per node. */
  nodeStores: Map<string, string[]>;
}

export function nodeLabel(node: DraftNode): string {
  return `${node.kind} "${node.id}"`;
}

export function resolveReferences(draft: Draft, diags: Diagnostics, schemas: EventSchemaSet): Links {
  const links: Links = { inputs: [], outputs: [], nodeStores: new Map() };
  for (const node of draft.nodes.values()) {
    node.inputs.forEach((ref, i) => {
      const side = node.join ? (i === 0 ? 'left' : 'right') : undefined;
      const from = resolveInput(draft, node, ref, side, diags);
      if (from) links.inputs.push({ node: node.id, from, ref, side });
    });
    links.outputs.push(...resolveOutputs(draft, node, diags));
    links.nodeStores.set(node.id, resolveStores(draft, node, diags));
    checkResources(draft, node, diags);
  }
  for (const store of draft.stores.values()) {
    if (store.from) checkTopic(draft, store.from, `store "${store.id}" is materialised from`, diags);
  }
  if (draft.deadLetterTopic) checkTopic(draft, draft.deadLetterTopic, 'defaults: dead_letter_topic names', diags);
  checkSchemas(draft, schemas, diags);
  return links;
}

function checkTopic(draft: Draft, ref: Ref, subject: string, diags: Diagnostics): boolean {
  if (draft.topics.has(ref.value)) return true;
  diags.report('UNKNOWN_TOPIC', ref.path, `${subject} unknown topic "${ref.value}"${didYouMean(ref.value, draft.topics.keys())}`);
  return false;
}

function readsFrom(node: DraftNode, side: string | undefined): string {
  return side ? `${nodeLabel(node)} reads its ${side} side from` : `${nodeLabel(node)} reads from`;
}

function resolveInput(draft: Draft, node: DraftNode, ref: Ref, side: string | undefined, diags: Diagnostics): Upstream | undefined {
  const subject = readsFrom(node, side);
  const [target, port, ...extra] = ref.value.split('.');
  if (port !== undefined && extra.length === 0) {
    const upstream = draft.nodes.get(target);
    if (!upstream) {
      diags.report(
        'UNKNOWN_NODE',
        ref.path,
        `${subject} "${ref.value}", but there is no processor or join "${target}"${didYouMean(target, draft.nodes.keys())}`,
      );
      return undefined;
    }
    if (upstream.ports && !upstream.ports.includes(port)) {
      diags.report(
        'UNKNOWN_PORT',
        ref.path,
        `${subject} "${ref.value}", but ${nodeLabel(upstream)} has no port "${port}"${didYouMean(port, upstream.ports)}; its ports are ${upstream.ports.join(', ')}`,
      );
      return undefined;
    }
    return { kind: 'node', node: target, port };
  }
  if (draft.topics.has(ref.value)) return { kind: 'topic', topic: ref.value };
  const upstream = draft.nodes.get(ref.value);
  if (upstream) {
    const ports = upstream.ports ?? ['default'];
    if (ports.length !== 1) {
      diags.report(
        'UNKNOWN_PORT',
        ref.path,
        `${subject} "${ref.value}", which has several ports (${ports.join(', ')}): name one, e.g. "${ref.value}.${ports[0]}"`,
      );
      return undefined;
    }
    return { kind: 'node', node: ref.value, port: ports[0] };
  }
  // Name the kind of thing the user most likely meant: the closest topic or node.
  const candidates = [...draft.topics.keys(), ...draft.nodes.keys()];
  const guess = closest(ref.value, candidates);
  if (guess !== undefined && draft.topics.has(guess))
    diags.report('UNKNOWN_TOPIC', ref.path, `${subject} unknown topic "${ref.value}" (did you mean "${guess}"?)`);
  else if (guess !== undefined) diags.report('UNKNOWN_NODE', ref.path, `${subject} unknown node "${ref.value}" (did you mean "${guess}"?)`);
  else diags.report('UNKNOWN_NODE', ref.path, `${subject} "${ref.value}", which is neither a topic nor a processor or join`);
  return undefined;
}

function resolveOutputs(draft: Draft, node: DraftNode, diags: Diagnostics): Output[] {
  const outputs: Output[] = [];
  const ports = node.ports;
  const unmapped = node.outputs.filter((o) => !o.mapped);
  if (ports && ports.length > 1 && unmapped.length > 0) {
    diags.report(
      'UNKNOWN_PORT',
      unmapped[0].topic.path,
      `${nodeLabel(node)} has several ports (${ports.join(', ')}): map each to a topic, e.g. "to: { ${ports[0]}: ${unmapped[0].topic.value} }"`,
    );
    return outputs;
  }
  for (const out of node.outputs) {
    let port = out.port;
    if (out.mapped && ports && !ports.includes(out.port)) {
      diags.report(
        'UNKNOWN_PORT',
        out.topic.path,
        `${nodeLabel(node)} has no port "${out.port}"${didYouMean(out.port, ports)}; its ports are ${ports.join(', ')}`,
        { target: 'key' },
      );
      continue;
    }
    if (!out.mapped && ports) port = ports[0];
    if (checkTopic(draft, out.topic, `${nodeLabel(node)} writes to`, diags)) outputs.push({ node: node.id, port, topic: out.topic.value, ref: out.topic });
  }
  return outputs;
}

function resolveStores(draft: Draft, node: DraftNode, diags: Diagnostics): string[] {
  const ids: string[] = [];
  for (const ref of node.stores) {
    const store = draft.stores.get(ref.value);
    if (node.join?.type === 'stream_table') {
      if (!store) {
        const asTopic = draft.topics.has(ref.value)
          ? `; "${ref.value}" is a topic: declare a store with "from: ${ref.value}" and name that store here`
          : didYouMean(ref.value, draft.stores.keys());
        diags.report(
          'UNKNOWN_STORE',
          ref.path,
          `${nodeLabel(node)}: the right side of a stream_table join must be a table store, and there is no store "${ref.value}"${asTopic}`,
        );
        continue;
      }
      if (!store.from)
        diags.report(
          'STORE_KIND_MISMATCH',
          ref.path,
          `${nodeLabel(node)}: store "${ref.value}" is not a table: declare it with "from: <topic>" to materialise it from a topic`,
        );
      else if (store.kind !== 'key_value')
        diags.report('STORE_KIND_MISMATCH', ref.path, `${nodeLabel(node)}: table "${ref.value}" must be a key_value store (it is a ${store.kind} store)`);
    } else if (!store) {
      diags.report('UNKNOWN_STORE', ref.path, `${nodeLabel(node)} uses unknown store "${ref.value}"${didYouMean(ref.value, draft.stores.keys())}`);
      continue;
    }
    ids.push(ref.value);
  }
  return ids;
}

function checkResources(draft: Draft, node: DraftNode, diags: Diagnostics): void {
  if (!node.spec?.resourceRefs || !node.config) return;
  for (const { path: rel, id, role } of node.spec.resourceRefs(node.config)) {
    const at = [...node.path, 'config', ...rel];
    const field = `config.${fieldName(rel)}`;
    const resource = draft.resources.get(id);
    if (!resource) {
      const sameRole = [...draft.resources.values()].filter((r) => r.spec?.role === role).map((r) => r.id);
      const hint = didYouMean(id, draft.resources.keys()) || (sameRole.length > 0 ? `; ${ROLE_LABELS[role]} resource is declared: ${sameRole.join(', ')}` : '');
      diags.report('UNKNOWN_RESOURCE', at, `${nodeLabel(node)}: ${field} names unknown resource "${id}"${hint}`);
    } else if (resource.spec && resource.spec.role !== role) {
      diags.report(
        'RESOURCE_KIND_MISMATCH',
        at,
        `${nodeLabel(node)}: ${field} must name ${ROLE_LABELS[role]}, but resource "${id}" is ${ROLE_LABELS[resource.spec.role]} (type ${resource.type})`,
      );
    }
  }
}

function checkSchemas(draft: Draft, schemas: EventSchemaSet, diags: Diagnostics): void {
  for (const topic of draft.topics.values()) {
    if (!topic.schema) continue;
    const problem = schemas.check(topic.schema.value);
    if (!problem) continue;
    if (problem.code === 'SCHEMA_NOT_FOUND') {
      diags.report('SCHEMA_NOT_FOUND', topic.schema.path, `topic "${topic.id}": ${problem.message}${didYouMean(topic.schema.value, schemas.ids())}`);
    } else {
      diags.report(problem.code, topic.schema.path, `topic "${topic.id}": ${problem.message}`);
    }
  }
}
