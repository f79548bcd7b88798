/**
 * Every finding `aura plan` can attach to a change, with its severity: the
 * single source for the plan's codes and the table in docs/pipeline-changes.md.
 * Codes are stable: add, never rename.
 *
 * `breaking`: the deploy would lose, orphan or misread existing state, or
 * reject what deployed clients send; `aura run` refuses it unless
 * `--allow-breaking`. `safe`: worth knowing, nothing is lost.
 */
export type PlanSeverity = 'safe' | 'breaking';

export interface PlanCodeInfo {
  severity: PlanSeverity;
  summary: string;
}

export const PlanCodes = {
  STORE_REMOVED: { severity: 'breaking', summary: 'A store with a changelog is removed: its state (changelog and local files) is no longer used.' },
  STORE_RENAMED: {
    severity: 'breaking',
    summary: 'A store was renamed (the same processor uses a new store id): the new store starts empty; the changelog is named after the id.',
  },
  STORE_KIND_CHANGED: { severity: 'breaking', summary: 'A store changes kind (key_value, window, session): the stored rows cannot be read as the new kind.' },
  STATE_REPARTITIONED: {
    severity: 'breaking',
    summary: 'The partition count of a stateful sub-topology changes: keys move to other tasks, which do not have their state.',
  },
  STATE_REKEYED: {
    severity: 'breaking',
    summary: "The key of a stateful sub-topology's topics (or an aggregate's `key`) changes: the state is filed under the old keys.",
  },
  WINDOW_CHANGED: { severity: 'breaking', summary: "A window's type, size, advance or gap changes: stored windows have the old bounds." },
  AGGREGATION_CHANGED: {
    severity: 'breaking',
    summary: 'An aggregation keeps its name but folds another function or field: the stored accumulator is of the old one.',
  },
  JOIN_COPARTITIONING_BROKEN: {
    severity: 'breaking',
    summary:
      "A join's topics change partition count or key: records already on the log (a table's rows, the other side's window) sit on the partitions of the old layout.",
  },
  TASKS_MOVED: {
    severity: 'breaking',
    summary: 'A processor with state moves to another sub-topology: its task ids change, so its local state is not found and must be rebuilt.',
  },
  TABLE_SOURCE_CHANGED: { severity: 'breaking', summary: 'A table is materialised from another topic: its local rows are of the old one.' },
  NODE_TYPE_CHANGED: { severity: 'breaking', summary: 'A processor with a store changes type: the stored values are of the old type.' },
  TOPIC_PARTITIONS_DECREASED: {
    severity: 'breaking',
    summary: 'A topic declares fewer partitions: Kafka cannot remove partitions (`aura topics apply` refuses).',
  },
  EMBEDDER_CHANGED: {
    severity: 'breaking',
    summary: 'An embedder changes type, model or dimensions: vectors already stored were made by the old one, so similarity search mixes two models.',
  },
  SCHEMA_STRICTER: {
    severity: 'breaking',
    summary:
      'An event schema rejects values the deployed one accepted: old records, producers not yet updated — and, on a topic the gateway publishes, deployed mobile apps.',
  },
  SCHEMA_LOOSER: {
    severity: 'safe',
    summary: 'An event schema accepts values the deployed one rejected: readers built against the deployed schema may receive them.',
  },
  PARTITIONS_ADDED: {
    severity: 'safe',
    summary:
      'A stateless topic gains partitions: new records of a key may go to another partition than its older ones (per-key order across the change is not kept).',
  },
  TOPIC_RENAMED: { severity: 'safe', summary: 'A topic id names another physical topic: records of the old one are not read (they stay on the cluster).' },
  LOGGING_CHANGED: {
    severity: 'safe',
    summary: "A store's changelog is turned on or off: off, its state cannot be restored elsewhere; on, the changelog starts with the next writes.",
  },
  TASKS_RENUMBERED: { severity: 'safe', summary: 'A stateless processor moves to another sub-topology: its task ids change; it has no state to lose.' },
} as const satisfies Record<string, PlanCodeInfo>;

export type PlanCode = keyof typeof PlanCodes;
