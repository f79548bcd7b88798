import { afterAll, describe, expect, it } from 'vitest';
import { AuraError } from '../../common/errors.js';
import { testTransport, uniqueName } from '../../testing/support/kafka-clients.js';

describe('Kafka admin', () => {
  const transport = testTransport();
  afterAll(() => transport.close());

  it('creates, lists, grows and deletes topics', async () => {
    const a = uniqueName('adm-a');
    const b = uniqueName('adm-b');
    const admin = transport.admin();
    await transport.connect();
    await admin.createTopics([
      { name: a, partitions: 3, replication: 1, config: { 'cleanup.policy': 'compact' } },
      { name: b, partitions: 1, replication: 1, config: { 'retention.ms': '60000' } },
    ]);
    let topics = await admin.listTopics();
    // Configs come from the cluster (DescribeConfigs): the broker's default retention shows too.
    expect(topics.find((t) => t.name === a)).toEqual({ name: a, partitions: 3, replication: 1, config: { 'cleanup.policy': 'compact', 'retention.ms': '604800000' } });
    expect(topics.find((t) => t.name === b)!.config).toEqual({ 'cleanup.policy': 'delete', 'retention.ms': '60000' });
    expect(topics.find((t) => t.name === b)?.partitions).toBe(1);
    expect(topics.some((t) => t.name.startsWith('__'))).toBe(false);

    await admin.createPartitions(b, 4);
    topics = await admin.listTopics();
    expect(topics.find((t) => t.name === b)?.partitions).toBe(4);

    const dup = await admin.createTopics([{ name: a, partitions: 1, replication: 1, config: {} }]).catch((e) => e);
    expect(dup).toBeInstanceOf(AuraError);
    expect(dup.code).toBe('TOPIC_EXISTS');

    await admin.deleteTopics([a, b]);
    topics = await admin.listTopics();
    expect(topics.map((t) => t.name)).not.toContain(a);
    const missing = await admin.deleteTopics([a]).catch((e) => e);
    expect(missing.code).toBe('TOPIC_MISSING');
  });
});
