/**
 * One pipeline end to end over SASL_SSL, configured exactly as
 * docs/deployment.md tells a Confluent Cloud user: `aura topics apply` and
 * `aura run` (a child process) with KAFKA_SECURITY_PROTOCOL=sasl_ssl,
 * KAFKA_SASL_MECHANISM=PLAIN, user and password, and KAFKA_SSL_CA_LOCATION
 * (the local broker's listener has a self-signed CA).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type AuraProcess, aura, auraRun, readTopic, tempDir, uniquePrefix, waitFor } from '../testing/support/kafka-harness.js';
import { pipelineIn } from '../testing/support/registry-serdes.js';
import { kafkaConfigFromEnv } from '../transports/kafka/config.js';
import { createKafkaTransport } from '../transports/kafka/index.js';

const settings = inject('kafkaSaslSsl');
const N = 30;

describe.skipIf(!settings)('a pipeline over SASL_SSL (the Confluent Cloud path)', () => {
  const env = {
    KAFKA_BROKERS: settings?.KAFKA_BROKERS ?? '',
    KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
    KAFKA_SASL_MECHANISM: 'PLAIN',
    KAFKA_SASL_USERNAME: settings?.PLAIN_USERNAME ?? '',
    KAFKA_SASL_PASSWORD: settings?.PLAIN_PASSWORD ?? '',
    KAFKA_SSL_CA_LOCATION: settings?.KAFKA_SSL_CA_LOCATION ?? '',
  };
  const prefix = uniquePrefix('sasl');
  const dir = tempDir('aura-kafka-sasl');
  let run: AuraProcess | undefined;
  const transport = settings ? createKafkaTransport(kafkaConfigFromEnv(env)) : undefined;

  afterAll(async () => {
    run?.child.kill('SIGTERM');
    await run?.exited;
    await transport?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates its topics, runs with exactly-once and produces every output once', async () => {
    const pipeline = pipelineIn(
      dir,
      `
app: ${prefix}
defaults: { processing: exactly_once }
kafka:
  common: { socket.keepalive.enable: true }
  consumer: { fetch.min.bytes: 1 }
  producer: { linger.ms: 2 }
topics:
  readings: { name: ${prefix}.readings, partitions: 2 }
  doubled: { name: ${prefix}.doubled, partitions: 2 }
processors:
  double:
    type: map
    from: readings
    to: doubled
    config: { value: '{ "user_id": user_id, "n2": n * 2 }' }
`,
      {},
    );
    const file = path.join(dir, 'pipeline.yaml');
    const apply = await aura(['topics', 'apply', file], env);
    expect(apply.err).toBe('');
    expect(apply.out).toMatch(/security=sasl_ssl ca=\S+ca.pem sasl=PLAIN user=au\*\*\* password=\*\*\*/);
    expect(apply.out).not.toContain(env.KAFKA_SASL_PASSWORD);
    run = auraRun(file, { instance: 'sasl-1', stateDir: path.join(dir, 'state'), env });
    await waitFor('aura run to start', () => run!.logs('pipeline running').length > 0 || run!.child.exitCode !== null, 60_000);
    expect(run.output()).toContain('transport   kafka brokers=127.0.0.1:');
    expect(run.output()).toContain('custom=socket.keepalive.enable,fetch.min.bytes,linger.ms');
    expect(run.child.exitCode).toBeNull();

    const input = pipeline.topics.readings!;
    const producer = transport!.producer({});
    await producer.send(
      Array.from({ length: N }, (_, i) => ({ topic: input.name, key: `u${i % 5}`, value: Buffer.from(JSON.stringify({ user_id: `u${i % 5}`, n: i })) })),
    );
    await producer.close();
    const out = pipeline.topics.doubled!;
    await waitFor('every record doubled', async () => (await readTopic(transport!, out.name, out.partitions)).length >= N, 60_000, 300);
    const values = (await readTopic(transport!, out.name, out.partitions)).map((r) => JSON.parse(r.value!.toString()) as { n2: number });
    expect(values.map((v) => v.n2).sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => 2 * i));
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  }, 120_000);
});
