/**
 * A two-step pipeline for commit tests with an asynchronous lane: a per-key `count` aggregate
 * whose output is embedded by a `vectorize` node (the embedder is the test's, through the
 * driver's resources). The knobs are what those tests vary.
 */
export interface CountEmbedOptions {
  app: string;
  /** Prefix of the topic names. */
  prefix: string;
  commitInterval: string;
  /** The aggregate emits through the record cache at commit (`emit: on_commit`). */
  emitOnCommit?: boolean;
  concurrency: number;
  /** vectorize's batch_size, when set. */
  batchSize?: number;
}

export function countEmbedPipeline(o: CountEmbedOptions): string {
  return `
app: ${o.app}
defaults: { partitions: 1, processing: exactly_once, commit_interval: ${o.commitInterval} }
topics:
  events: { name: ${o.prefix}.events }
  stats: { name: ${o.prefix}.stats }
  vectors: { name: ${o.prefix}.vectors }
stores:
  counts: { kind: key_value }
resources:
  embedder: { type: minilm }
processors:
  count:
    type: aggregate
    from: events
    to: stats
    store: counts
    config:${o.emitOnCommit ? '\n      emit: on_commit' : ''}
      aggregations:
        count: { op: count }
  embed:
    type: vectorize
    from: stats
    to: vectors
    concurrency: ${o.concurrency}
    config: { embedder: embedder, text: key${o.batchSize === undefined ? '' : `, batch_size: ${o.batchSize}`} }
`;
}
