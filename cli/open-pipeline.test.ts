import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePipeline } from '../topology/compile.js';
import type { KafkaTransport } from '../transports/kafka/index.js';
import { chooseTransport } from './open-pipeline.js';

describe('chooseTransport', () => {
  const yaml = `
app: t
kafka:
  common: { statistics.interval.ms: 1000 }
  consumer: { fetch.min.bytes: 2048 }
  producer: { linger.ms: 20 }
topics:
  a: { name: t.a }
  b: { name: t.b }
processors:
  p: { type: filter, from: a, to: b, config: { condition: "true" } }
`;

  it("gives the Kafka transport the pipeline's kafka: block, per client role, with KAFKA_CONFIG_* on top", async () => {
    const result = compilePipeline(yaml, 'pipeline.yaml', { env: {} });
    expect(result.diagnostics).toEqual([]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-open-'));
    const chosen = chooseTransport(result.pipeline!, dir, { KAFKA_BROKERS: '127.0.0.1:1', KAFKA_CONFIG_STATISTICS_INTERVAL_MS: '2000' });
    const config = (chosen.transport as KafkaTransport).config;
    expect(config.extra).toEqual({ 'statistics.interval.ms': '2000' });
    expect(config.consumer).toEqual({ 'fetch.min.bytes': 2048 });
    expect(config.producer).toEqual({ 'linger.ms': 20 });
    expect(chosen.summary).toContain('custom=statistics.interval.ms,fetch.min.bytes,linger.ms');
    await chosen.transport.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
