/**
 * The snapshot of the live topology: the body of `GET /topology/stats` and
 * every message of the `/topology/live` WebSocket (one a second). Declared
 * once for both (the OpenAPI and the AsyncAPI documents read this).
 */
import { type Static, Type } from '@sinclair/typebox';

const count = (description: string) => Type.Number({ minimum: 0, description });

export const NodeStatSchema = Type.Object(
  {
    processed: count('Records processed (sources: summed over the tasks running here).'),
    errors: count('Records that failed.'),
    latencyMsTotal: count('Processing time of those records, milliseconds.'),
    rate: count('Records per second over the last sample interval.'),
    errorRate: count('Failures per second over the last sample interval.'),
    latencyAvgMs: count('Average processing time, milliseconds.'),
    lag: Type.Optional(count("Sources: the consumer lag of the node's topic (records).")),
  },
  { additionalProperties: false },
);

export const TopologyStatsMessage = Type.Object(
  {
    at: Type.Integer({ minimum: 0, description: 'When the snapshot was taken (epoch ms).' }),
    instance: Type.String({ description: 'The gateway instance that took it.' }),
    nodes: Type.Record(Type.String(), NodeStatSchema, { description: 'Per node id of the pipeline.' }),
    totals: Type.Object(
      {
        recordsConsumed: count('Records the engine consumed.'),
        recordsProduced: count('Records it produced.'),
        deadLetters: count('Records sent to the dead letters.'),
        commits: count('Transactions committed.'),
        lag: count('Consumer lag over all source topics.'),
      },
      { additionalProperties: false },
    ),
  },
  {
    additionalProperties: false,
    title: 'topology.stats',
    description: "The engine's per-node numbers on this instance: rates, totals, latency and, on sources, lag.",
  },
);

export type TopologyStats = Static<typeof TopologyStatsMessage>;
