/**
 * The publisher through broker trouble, on the embedded log with faults
 * injected into its producer: a record never acknowledged fails within the
 * bounded wait as a retriable TRANSPORT_FAILED (the gateway's 503 with
 * Retry-After), an unusable producer is replaced, an error no retry fixes is
 * passed on as it is. The real outage is in runtime/broker-outage.kafka.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuraError, ErrorCodes } from '../../common/errors.js';
import type { TopicSpec } from '../../topology/model.js';
import { createEmbeddedTransport } from '../../transports/embedded/index.js';
import type { Transport } from '../../transports/types.js';
import { Publisher } from './publisher.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-publisher-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

type Fault = 'hang' | AuraError | undefined;

/** The embedded transport; its producers' sends take their fate from `faults` (one per send). */
function withFaults(inner: Transport, faults: Fault[], created: number[]): Transport {
  return {
    ...inner,
    kind: inner.kind,
    partitionFor: (k, n) => inner.partitionFor(k, n),
    producer(options) {
      const p = inner.producer(options);
      created.push(created.length + 1);
      const send = p.send.bind(p);
      p.send = async (records) => {
        const fault = faults.shift();
        if (fault === 'hang') return new Promise(() => undefined); // never acknowledged
        if (fault) throw fault;
        return send(records);
      };
      return p;
    },
  };
}

describe('Publisher', () => {
  it('fails a publish the log does not acknowledge within the bounded wait, retriable', async () => {
    const inner = createEmbeddedTransport({ path: path.join(dir, 'hang.db') });
    await inner.admin().createTopics([{ name: 'events', partitions: 2, replication: 1, config: {} }]);
    const topic = { name: 'events', partitions: 2 } as TopicSpec;
    const publisher = new Publisher(withFaults(inner, ['hang'], []), 'gw', { ackTimeoutMs: 200 });
    const started = Date.now();
    const err = await publisher.publish(topic, 'ana', { score: 1 }, {}).catch((e: unknown) => e);
    const took = Date.now() - started;
    expect(err).toBeInstanceOf(AuraError);
    expect(err).toMatchObject({
      code: ErrorCodes.TRANSPORT_FAILED,
      retriable: true,
      message: 'the event log did not take the record (no acknowledgement within 0.2 s); retry later',
    });
    expect(took).toBeGreaterThanOrEqual(1100);
    expect(took).toBeLessThan(3000);
    // The next one goes through.
    expect(await publisher.publish(topic, 'ana', { score: 2 }, {})).toMatchObject({ topic: 'events', offset: 0 });
    await publisher.close();
    await inner.close();
  });

  it('replaces a producer librdkafka declares unusable, and passes on what no retry fixes', async () => {
    const inner = createEmbeddedTransport({ path: path.join(dir, 'fatal.db') });
    await inner.admin().createTopics([{ name: 'events', partitions: 1, replication: 1, config: {} }]);
    const topic = { name: 'events', partitions: 1 } as TopicSpec;
    const fatal = new AuraError(ErrorCodes.TRANSPORT_FAILED, 'send: Local: Fatal error', { details: { fatal: true } });
    const tooLarge = new AuraError(ErrorCodes.TRANSPORT_FAILED, 'send: Broker: Message size too large', { details: { permanent: true } });
    const created: number[] = [];
    const publisher = new Publisher(withFaults(inner, [fatal, tooLarge], created), 'gw', { ackTimeoutMs: 1000 });
    expect(created).toHaveLength(1);
    await expect(publisher.publish(topic, 'ana', { n: 1 }, {})).rejects.toMatchObject({
      code: 'TRANSPORT_FAILED',
      retriable: true,
      message: expect.stringContaining('Local: Fatal error'),
    });
    expect(created).toHaveLength(2); // replaced
    await expect(publisher.publish(topic, 'ana', { n: 2 }, {})).rejects.toBe(tooLarge);
    expect(created).toHaveLength(2);
    expect(await publisher.publish(topic, 'ana', { n: 3 }, {})).toMatchObject({ offset: 0 });
    await publisher.close();
    await inner.close();
  });
});
