/** Pipelines with registry-format topics in a temp directory (with their own event schemas), for the serde tests. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RegistryConfig } from '../../serdes/registry-config.js';
import { compilePipeline } from '../../topology/compile.js';
import type { Pipeline } from '../../topology/model.js';

export function registryConfig(url: string, overrides: Partial<RegistryConfig> = {}): RegistryConfig {
  return { url, autoRegister: true, timeoutMs: 10_000, ...overrides };
}

/** A unique suffix, so runs against a registry that stays up never share a subject. */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

export function pipelineIn(dir: string, yaml: string, schemas: Record<string, object>, files: Record<string, string> = {}): Pipeline {
  fs.mkdirSync(path.join(dir, 'schemas/events'), { recursive: true });
  for (const [id, schema] of Object.entries(schemas)) fs.writeFileSync(path.join(dir, 'schemas/events', `${id}.schema.json`), JSON.stringify(schema));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  const file = path.join(dir, 'pipeline.yaml');
  fs.writeFileSync(file, yaml);
  const result = compilePipeline(yaml, file, { env: {} });
  if (!result.pipeline) throw new Error(result.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`).join('\n'));
  return result.pipeline;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Avro's zig-zag varint (long and int), written by hand from the spec for the wire-format tests. */
export function avroLong(n: number): Buffer {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  const out: number[] = [];
  while (z >= 0x80) {
    out.push((z % 0x80) | 0x80);
    z = Math.floor(z / 0x80);
  }
  out.push(z);
  return Buffer.from(out);
}

export function avroString(s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  return Buffer.concat([avroLong(bytes.length), bytes]);
}
