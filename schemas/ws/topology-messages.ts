/**
 * The snapshot of the live topology: the body of `GET /topology/stats` and
 * every message of the `/topology/live` WebSocket (one a second). Declared
 * once for both (the OpenAPI and the AsyncAPI documents read this), and the
 * types the node sampler (gateway/metrics/node-stats.ts) and the cluster
 * page's snapshots (gateway/topology/schemas.ts) build from.
 */
import { type Static, Type } from '@sinclair/typebox';

const strict = { additionalProperties: false } as const;
const count = (description: string) => Type.Number({ minimum: 0, description });

/** What the engine counts per node (sources: summed over the tasks running here). */
export const NodeTotalsSchema = Type.Object(
  {
    processed: count('Records processed (sources: summed over the tasks running here).'),
    errors: count('Records that failed.'),
    latencyMsTotal: count('Processing time of those records, milliseconds (a node includes its synchronous children).'),
  },
  strict,
);

/** The numbers of a node derived over the last sample interval. */
const derived = {
  rate: count('Records per second over the last sample interval.'),
  errorRate: count('Failures per second over the last sample interval.'),
  latencyAvgMs: count('Average processing time, milliseconds.'),
  busy: count(
    "Seconds per second spent in the node itself over the last interval (its latency minus its synchronous children's; 1 = always busy). Asynchronous nodes: the average number of records in flight.",
  ),
  utilization: Type.Number({
    minimum: 0,
    maximum: 1,
    description:
      '`busy` — or, asynchronous nodes, the records their lanes hold now when more — over what the node can do here (one thread; lanes × tasks): 1 = saturated.',
  }),
};

/** A node's numbers on one instance, as the sampler keeps them. */
export const NodeStatSchema = Type.Object({ ...NodeTotalsSchema.properties, ...derived }, strict);

/** A node's numbers in a snapshot: those, and on sources the lag of their topic. */
export const NodeStatMessageSchema = Type.Object(
  { ...NodeStatSchema.properties, lag: Type.Optional(count("Sources: the consumer lag of the node's topic (records, all its partitions).")) },
  strict,
);

/** The engine's totals on one instance. */
export const EngineTotalsSchema = Type.Object(
  {
    recordsConsumed: count('Records the engine consumed.'),
    recordsProduced: count('Records it produced.'),
    deadLetters: count('Records sent to the dead letters.'),
    commits: count('Transactions committed.'),
  },
  strict,
);

export const TopologyStatsMessage = Type.Object(
  {
    at: Type.Integer({ minimum: 0, description: 'When the snapshot was taken (epoch ms).' }),
    instance: Type.String({ description: 'The gateway instance that took it.' }),
    nodes: Type.Record(Type.String(), NodeStatMessageSchema, { description: 'Per node id of the pipeline.' }),
    totals: Type.Object({ ...EngineTotalsSchema.properties, lag: count('Consumer lag over all source topics.') }, strict),
  },
  {
    ...strict,
    title: 'topology.stats',
    description: "The engine's per-node numbers on this instance: rates, totals, latency, busy time and utilization and, on sources, lag.",
  },
);

export type NodeTotals = Static<typeof NodeTotalsSchema>;
export type NodeStat = Static<typeof NodeStatSchema>;
export type EngineTotals = Static<typeof EngineTotalsSchema>;
export type TopologyStats = Static<typeof TopologyStatsMessage>;
