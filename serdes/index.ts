/**
 * Schema Registry serdes for a pipeline: what runtime/app.ts composes. A
 * pipeline without `json_sr`/`avro` topics needs no registry and gets none.
 */
import { AuraError, ErrorCodes } from '../common/errors.js';
import type { Logger } from '../processors/types.js';
import type { Pipeline } from '../topology/model.js';
import { SchemaRegistryClient } from './registry-client.js';
import { type RegistryConfig, registryConfigFromEnv } from './registry-config.js';
import { RegistrySerdes } from './registry-serdes.js';
import { topicSchemas } from './topic-schemas.js';

export { SchemaRegistryClient, valueSubject } from './registry-client.js';
export { describeRegistryConfig, type RegistryConfig, registryConfigFromEnv } from './registry-config.js';
export { RegistrySerdes } from './registry-serdes.js';
export { type TopicSchema, topicSchemas } from './topic-schemas.js';

/** The serdes of `pipeline`'s registry topics, or why they cannot be had (reported when the app starts). */
export function registrySerdesFor(pipeline: Pipeline, logger: Logger, config?: RegistryConfig): { serdes?: RegistrySerdes; error?: unknown } {
  try {
    const schemas = topicSchemas(pipeline);
    if (schemas.length === 0) return {};
    const resolved = config ?? registryConfigFromEnv();
    if (!resolved) {
      const names = schemas.map((s) => `${s.topic.name} (${s.format})`).join(', ');
      throw new AuraError(
        ErrorCodes.CONFIG_INVALID,
        `topics ${names} go through the Schema Registry: set SCHEMA_REGISTRY_URL (and SCHEMA_REGISTRY_API_KEY / SCHEMA_REGISTRY_API_SECRET for Confluent Cloud; see docs/schema-registry.md)`,
      );
    }
    return { serdes: new RegistrySerdes(new SchemaRegistryClient(resolved), schemas, logger) };
  } catch (err) {
    return { error: err };
  }
}
