/** The registry serdes as the app composes them, without a registry: what needs one and what does not. */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import { createPipelineApp } from '../runtime/app.js';
import { pipelineIn, tempDir } from '../testing/support/registry-serdes.js';
import { TopologyTestDriver } from '../testing/test-driver.js';
import { createEmbeddedTransport } from '../transports/embedded/index.js';
import { SchemaRegistryClient } from './registry-client.js';
import { describeRegistryConfig, registryConfigFromEnv } from './registry-config.js';

const yaml = `
app: fmt
topics:
  in: { name: fmt.in, format: avro, schema: reading }
  out: { name: fmt.out, format: json_sr, schema: reading }
processors:
  pass: { type: filter, from: in, to: out, config: { condition: "n > 1" } }
`;
const reading = { type: 'object', required: ['user_id', 'n'], properties: { user_id: { type: 'string' }, n: { type: 'integer' } } };

describe('registry formats without a registry', () => {
  const dir = tempDir('aura-fmt-');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses to start a pipeline with json_sr/avro topics when SCHEMA_REGISTRY_URL is not set', async () => {
    const saved = process.env.SCHEMA_REGISTRY_URL;
    delete process.env.SCHEMA_REGISTRY_URL;
    const pipeline = pipelineIn(dir, yaml, { reading });
    const transport = createEmbeddedTransport({ path: path.join(dir, 'log.db') });
    const app = createPipelineApp({ pipeline, transport, logger: createLogger('t', 'silent'), stateDir: path.join(dir, 'state'), instanceId: 'x' });
    try {
      await expect(app.start()).rejects.toThrow(/topics fmt\.in \(avro\), fmt\.out \(json_sr\) go through the Schema Registry: set SCHEMA_REGISTRY_URL/);
    } finally {
      await transport.close();
      if (saved !== undefined) process.env.SCHEMA_REGISTRY_URL = saved;
    }
  });

  it('runs the topology in the test driver with plain JSON values whatever the formats', async () => {
    const pipeline = pipelineIn(tempDir('aura-fmt-driver-'), yaml, { reading });
    const driver = await TopologyTestDriver.create(pipeline);
    try {
      await driver.pipeInput('in', [
        { key: 'u1', value: { user_id: 'u1', n: 1 } },
        { key: 'u2', value: { user_id: 'u2', n: 2 } },
      ]);
      expect((await driver.readOutput('out')).map((r) => r.value)).toEqual([{ user_id: 'u2', n: 2 }]);
    } finally {
      await driver.close();
    }
  });
});

describe('registry settings from the environment', () => {
  it("reads Confluent's names, basic.auth.user.info style included, and never prints the secret", () => {
    expect(registryConfigFromEnv({})).toBeUndefined();
    const cloud = registryConfigFromEnv({
      SCHEMA_REGISTRY_URL: 'https://psrc-1.aws.confluent.cloud/',
      SCHEMA_REGISTRY_API_KEY: 'SRKEY',
      SCHEMA_REGISTRY_API_SECRET: 'sr-secret',
    })!;
    expect(cloud).toMatchObject({ url: 'https://psrc-1.aws.confluent.cloud', username: 'SRKEY', password: 'sr-secret', autoRegister: true });
    expect(describeRegistryConfig(cloud)).toBe('url=https://psrc-1.aws.confluent.cloud key=SR*** secret=***');
    const info = registryConfigFromEnv({
      SCHEMA_REGISTRY_URL: 'http://r:8081',
      SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: 'k:s:with:colons',
      SCHEMA_REGISTRY_AUTO_REGISTER: 'false',
    })!;
    expect(info).toMatchObject({ username: 'k', password: 's:with:colons', autoRegister: false });
    expect(() => registryConfigFromEnv({ SCHEMA_REGISTRY_URL: 'ftp://x' })).toThrow(/must be http/);
    expect(() => registryConfigFromEnv({ SCHEMA_REGISTRY_URL: 'http://x', SCHEMA_REGISTRY_API_KEY: 'k' })).toThrow(/go together/);
    expect(() => registryConfigFromEnv({ SCHEMA_REGISTRY_URL: 'http://x', SCHEMA_REGISTRY_AUTO_REGISTER: 'yes' })).toThrow(/true or false/);
  });
});

// The registry of the tests (Apicurio) runs without authentication, so what the client sends for
// Confluent Cloud's API keys is checked on a socket: the Authorization header and the content type.
describe('registry client authentication', () => {
  it('sends the API key and secret as HTTP basic auth, and says to check them on 401', async () => {
    const seen: Array<{ auth?: string; type?: string; url?: string }> = [];
    const server = http.createServer((req, res) => {
      seen.push({ auth: req.headers.authorization, type: req.headers['content-type'], url: req.url });
      res.writeHead(seen.length === 1 ? 200 : 401, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
      res.end(seen.length === 1 ? '{"id":7}' : '{"error_code":40101,"message":"Unauthorized"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const client = new SchemaRegistryClient(
      registryConfigFromEnv({ SCHEMA_REGISTRY_URL: `http://127.0.0.1:${port}`, SCHEMA_REGISTRY_API_KEY: 'KEY', SCHEMA_REGISTRY_API_SECRET: 'SECRET' })!,
    );
    try {
      expect(await client.register('t-value', '{"type":"string"}', 'AVRO')).toBe(7);
      await expect(client.latest('u-value')).rejects.toThrow(/HTTP 401 \(error 40101\): Unauthorized \(check SCHEMA_REGISTRY_API_KEY/);
    } finally {
      server.close();
    }
    expect(seen[0]).toEqual({
      auth: `Basic ${Buffer.from('KEY:SECRET').toString('base64')}`,
      type: 'application/vnd.schemaregistry.v1+json',
      url: '/subjects/t-value/versions',
    });
  });
});
