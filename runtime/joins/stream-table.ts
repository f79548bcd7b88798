/**
 * Stream-table join (Kafka Streams' KStream#join/leftJoin(KTable)): each left
 * record is joined with the table's current value for its key — for AURA360,
 * a Guardian request with the user's latest aggregated context. Table updates
 * never emit (only the stream side drives output). Output: `{left, right}`.
 */
import type { KeyValueStore } from '../../state/types.js';
import type { Receiver } from '../node.js';
import type { JoinFactoryInput } from '../task-graph.js';

export function streamTableJoin({ spec, context }: JoinFactoryInput): Receiver {
  const table: KeyValueStore = context.getKeyValueStore(spec.join!.right);
  const inner = spec.join!.kind === 'inner';
  return (record) => {
    if (record.key === null) return; // no key, no table row to join with (Kafka Streams drops these too)
    const right = table.get(record.key) ?? null;
    if (right === null && inner) return;
    context.forward({ key: record.key, value: { left: record.value, right }, timestamp: record.timestamp, headers: record.headers });
  };
}
