/**
 * The bodies of the cluster-wide topology page's data, declared once:
 * `GET /topology/instance` (one instance's numbers with their last minutes,
 * what peers fetch from each other) and `GET /topology/cluster` (every live
 * instance's merged, with lag per partition and the bottleneck). The OpenAPI
 * document publishes these schemas; snapshot.ts and cluster.ts build their
 * static types, and a peer's snapshot is checked against the same fields.
 * The per-node numbers themselves are the topology snapshot's
 * (schemas/ws/topology-messages.ts).
 */
import { type Static, Type } from '@sinclair/typebox';
import { EngineTotalsSchema, NodeStatSchema } from '../../schemas/ws/topology-messages.js';
import { named } from '../openapi/operation.js';

const strict = { additionalProperties: false } as const;
const epochMs = (description: string) => Type.Integer({ minimum: 0, description });
const points = (description: string) => Type.Array(Type.Number({ minimum: 0 }), { description });

/** A node's numbers in an instance's snapshot: the sampler's, without the running latency total. */
export const NodeNumbersSchema = Type.Omit(NodeStatSchema, ['latencyMsTotal']);

/** Sparkline points: one per `stepMs` bucket of wall-clock time, oldest first. */
export const NodeSeriesSchema = Type.Object(
  {
    start: epochMs('The start of the first bucket (epoch ms).'),
    stepMs: Type.Integer({ minimum: 1, description: 'The width of a bucket, milliseconds.' }),
    nodes: Type.Record(
      Type.String(),
      Type.Object({ rate: points('Records per second, averaged per bucket.'), busy: points('Busy time, averaged per bucket.') }, strict),
      { description: 'Per node id.' },
    ),
  },
  strict,
);

export const InstanceSnapshotSchema = named(
  'TopologyInstance',
  Type.Object(
    {
      instance: Type.String({ description: 'The instance that took it.' }),
      at: epochMs('When (epoch ms).'),
      tasks: Type.Array(Type.String(), { description: 'The tasks running there (`<subtopology>_<partition>`).' }),
      nodes: Type.Record(Type.String(), NodeNumbersSchema, { description: 'Per node id of the pipeline.' }),
      series: NodeSeriesSchema,
      totals: EngineTotalsSchema,
    },
    { ...strict, description: "One instance's numbers for the topology page, with the last minutes of them (what peers fetch)." },
  ),
);

const share = Type.Pick(NodeNumbersSchema, ['rate', 'busy', 'utilization']);

export const ClusterNodeSchema = Type.Object(
  {
    ...NodeNumbersSchema.properties,
    instances: Type.Record(Type.String(), share, { description: 'Per instance: rate, busy time and utilization there.' }),
    spark: points('Records per second over the last minutes, all instances together (buckets of `spark.stepMs`).'),
  },
  { ...strict, description: 'Counts and rates summed over the instances, latency averaged by records, busy time and utilization the highest.' },
);

const trend = (what: string) => Type.Number({ description: `Records per second the lag of ${what} grows (positive: falling behind) or shrinks.` });

export const TopicLagSchema = Type.Object(
  {
    topic: Type.String(),
    lag: Type.Integer({ minimum: 0, description: "Records the group has not committed yet, over the topic's partitions." }),
    trend: trend('the topic'),
    spark: points('The lag over the last minutes.'),
    partitions: Type.Array(
      Type.Object(
        {
          partition: Type.Integer({ minimum: 0 }),
          lag: Type.Integer({ minimum: 0 }),
          trend: trend('the partition'),
          owner: Type.Union([Type.String(), Type.Null()], { description: "The instance running the partition's task; null: none known." }),
        },
        strict,
      ),
    ),
  },
  strict,
);

export const BottleneckSchema = Type.Object(
  {
    node: Type.Union([Type.String(), Type.Null()], { description: 'The node to look at; null when lag grows but no node is busy (nothing to point at).' }),
    reason: Type.String({ description: 'For people.' }),
  },
  strict,
);

export const ClusterViewSchema = named(
  'TopologyCluster',
  Type.Object(
    {
      app: Type.String(),
      at: epochMs('When (epoch ms).'),
      instance: Type.String({ description: 'The instance that answered.' }),
      instances: Type.Array(
        Type.Object(
          {
            instance: Type.String(),
            url: Type.Union([Type.String(), Type.Null()], { description: 'Its advertised URL.' }),
            here: Type.Boolean({ description: 'The instance that answered.' }),
            ok: Type.Boolean({ description: 'Its numbers are included.' }),
            problem: Type.Optional(Type.String({ description: 'Why not (not asked without AURA_CLUSTER_SECRET, did not answer…).' })),
            tasks: Type.Integer({ minimum: 0, description: 'How many tasks it runs.' }),
          },
          strict,
        ),
        { description: 'Every live instance of the registry.' },
      ),
      nodes: Type.Record(Type.String(), ClusterNodeSchema, { description: 'Per node id of the pipeline.' }),
      spark: Type.Pick(NodeSeriesSchema, ['start', 'stepMs'], { description: 'The buckets of every `spark`.' }),
      topics: Type.Array(TopicLagSchema, { description: 'Lag per input topic and partition, with its trend and owner.' }),
      totals: Type.Object({ ...EngineTotalsSchema.properties, lag: Type.Integer({ minimum: 0, description: 'Over every input topic.' }) }, strict),
      bottleneck: Type.Union([BottleneckSchema, Type.Null()], { description: 'Where the pipeline is backed up; null: nowhere.' }),
    },
    { ...strict, description: "Every live instance's numbers merged: what the topology page draws." },
  ),
);

export type NodeNumbers = Static<typeof NodeNumbersSchema>;
export type NodeSeries = Static<typeof NodeSeriesSchema>;
export type InstanceSnapshot = Static<typeof InstanceSnapshotSchema>;
export type ClusterNode = Static<typeof ClusterNodeSchema>;
export type TopicLag = Static<typeof TopicLagSchema>;
export type Bottleneck = Static<typeof BottleneckSchema>;
export type ClusterView = Static<typeof ClusterViewSchema>;
