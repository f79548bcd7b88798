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
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { AuraError, ErrorCodes } from '../../common/errors.js';
import { createLogger } from '../../common/logger.js';
import type { TopicSpec } from '../../topology/model.js';
import { createEmbeddedTransport } from '../../transports/embedded/index.js';
import type { Transport } from '../../transports/types.js';
import { onGatewayError } from '../http-error.js';
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

  it('answers 503 with a Retry-After that grows with the failures in a row, and starts over after a success', async () => {
    const inner = createEmbeddedTransport({ path: path.join(dir, 'retry-after.db') });
    await inner.admin().createTopics([{ name: 'events', partitions: 1, replication: 1, config: {} }]);
    const topic = { name: 'events', partitions: 1 } as TopicSpec;
    const down = () => new AuraError(ErrorCodes.TRANSPORT_FAILED, 'send: Local: All broker connections are down');
    const faults: Fault[] = [down(), down(), down(), down(), down(), down(), down(), undefined, down()];
    const publisher = new Publisher(withFaults(inner, faults, []), 'gw', { ackTimeoutMs: 200 });
    // The publish route's path: the publisher's error through the gateway's one onError.
    const app = new Hono();
    app.onError(onGatewayError(createLogger('test')));
    app.post('/publish', async (c) => c.json(await publisher.publish(topic, 'ana', { n: 1 }, {}), 201));
    const answers: string[] = [];
    for (let i = 0; i < 9; i++) {
      const res = await app.request('/publish', { method: 'POST' });
      answers.push(`${res.status} ${res.headers.get('retry-after') ?? '-'}`);
    }
    // failures.ts's backoff (100 ms doubling, capped at 5 s) in whole seconds, at least 1.
    expect(answers).toEqual(['503 1', '503 1', '503 1', '503 1', '503 2', '503 4', '503 5', '201 -', '503 1']);
    await publisher.close();
    await inner.close();
  });
});
