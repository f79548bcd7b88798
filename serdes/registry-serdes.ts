/**
 * Values of `json_sr` and `avro` topics in the Confluent wire format. At start
 * each such topic's schema is registered (or looked up) under its subject, so
 * encoding is synchronous. Records are read with the schema their id names
 * (fetched once per id, before the batch is processed); Avro records are
 * resolved from that writer schema to the topic's current one, so records
 * written with older versions stay readable. Unknown ids and wrong magic bytes
 * are DESERIALIZATION errors: the node's error policy applies (dead letter).
 */
import type avro from 'avsc';
import { AuraError, ErrorCodes, errorMessage } from '../common/errors.js';
import type { Logger } from '../processors/types.js';
import type { ValueSerdes } from '../runtime/serde.js';
import { decodeValue, encodeValue } from '../runtime/serde.js';
import type { LogRecord } from '../transports/types.js';
import { checkAvroPayload } from './avro-guard.js';
import { avroType, pruneAbsent } from './avro-schema.js';
import { RegistryHttpError, type SchemaRegistryClient, type SchemaType } from './registry-client.js';
import type { TopicSchema } from './topic-schemas.js';
import { decodeWire, encodeWire, HEADER_SIZE, MAGIC_BYTE } from './wire-format.js';

interface TopicState {
  spec: TopicSchema;
  id: number;
  /** Avro: the topic's own schema, the reader of every record. */
  reader?: avro.Type;
}

interface Writer {
  schemaType: SchemaType;
  type?: avro.Type;
}

/** How long a registry outage is ridden out before the batch fails (the engine then stops). */
const PREFETCH_GIVE_UP_MS = 120_000;
/** Ids the registry does not know are remembered (a producer writing garbage ids must not cost a lookup per record), up to this many. */
const MAX_UNKNOWN_IDS = 10_000;
/** Schema lookups in flight at once while prefetching. */
const FETCH_CONCURRENCY = 8;

export class RegistrySerdes implements ValueSerdes {
  private readonly topics = new Map<string, TopicState>();
  private readonly writers = new Map<number, Writer>();
  private readonly unknown = new Map<number, AuraError>();
  private readonly resolvers = new Map<string, avro.Resolver>();

  constructor(
    private readonly client: SchemaRegistryClient,
    private readonly schemas: readonly TopicSchema[],
    private readonly logger: Logger,
  ) {}

  /** Registers (SCHEMA_REGISTRY_AUTO_REGISTER, the default) or looks up each topic's schema. */
  async init(): Promise<void> {
    for (const spec of this.schemas) {
      let id: number;
      if (this.client.config.autoRegister) {
        id = await this.client.register(spec.subject, spec.schema, spec.schemaType);
      } else {
        const found = await this.client.lookup(spec.subject, spec.schema, spec.schemaType);
        if (!found) {
          throw new AuraError(
            ErrorCodes.CONFIG_INVALID,
            `topic ${spec.topic.name}: its schema (${spec.source}) is not registered under subject ${spec.subject} and SCHEMA_REGISTRY_AUTO_REGISTER=false: run \`aura schemas apply\` first`,
          );
        }
        id = found.id;
      }
      const reader = spec.format === 'avro' ? avroType(JSON.parse(spec.schema)) : undefined;
      this.topics.set(spec.topic.name, { spec, id, reader });
      this.writers.set(id, { schemaType: spec.schemaType, type: reader });
      this.logger.info({ topic: spec.topic.name, subject: spec.subject, schemaId: id }, 'schema registered');
    }
  }

  /** Schema id of a topic's own schema (what its records are written with). */
  schemaIdOf(topicName: string): number | undefined {
    return this.topics.get(topicName)?.id;
  }

  async prefetch(records: readonly LogRecord[]): Promise<void> {
    const missing = new Set<number>();
    for (const r of records) {
      if (!r.value || r.value.length < HEADER_SIZE || r.value[0] !== MAGIC_BYTE || !this.topics.has(r.topic)) continue;
      const id = r.value.readInt32BE(1);
      if (!this.writers.has(id) && !this.unknown.has(id)) missing.add(id);
    }
    if (missing.size === 0) return;
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        const ids = [...missing].filter((id) => !this.writers.has(id) && !this.unknown.has(id));
        for (let i = 0; i < ids.length; i += FETCH_CONCURRENCY) await Promise.all(ids.slice(i, i + FETCH_CONCURRENCY).map((id) => this.fetchWriter(id)));
        return;
      } catch (err) {
        if (Date.now() - started > PREFETCH_GIVE_UP_MS) throw err;
        this.logger.warn({ err: errorMessage(err), attempt }, 'Schema Registry unavailable; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 200 * 2 ** attempt)));
      }
    }
  }

  decode(topic: string, value: Buffer | null): unknown {
    const state = this.topics.get(topic);
    if (!state) return decodeValue(value);
    if (value === null) return null;
    const { schemaId, payload } = decodeWire(value);
    const unknown = this.unknown.get(schemaId);
    if (unknown) throw unknown;
    const writer = this.writers.get(schemaId);
    if (!writer) throw new AuraError(ErrorCodes.DESERIALIZATION, `schema id ${schemaId} was not fetched from the Schema Registry before decoding`);
    const expected = state.spec.schemaType;
    if (writer.schemaType !== expected) {
      throw new AuraError(
        ErrorCodes.DESERIALIZATION,
        `record written with schema id ${schemaId}, a ${writer.schemaType} schema, but topic ${topic} is format ${state.spec.format} (${expected})`,
      );
    }
    if (state.spec.format === 'json_sr') return decodeValue(payload);
    try {
      const reader = state.reader!;
      checkAvroPayload(writer.type!, payload);
      return pruneAbsent(reader, reader.fromBuffer(payload, this.resolver(schemaId, writer.type!, reader)));
    } catch (err) {
      if (err instanceof AuraError) throw err;
      throw new AuraError(ErrorCodes.DESERIALIZATION, `Avro value (schema id ${schemaId}) of topic ${topic} cannot be read: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  }

  encode(topic: string, value: unknown): Buffer | null {
    const state = this.topics.get(topic);
    if (!state) return encodeValue(value);
    if (value === null || value === undefined) return null;
    if (state.spec.format === 'json_sr') return encodeWire(state.id, Buffer.from(JSON.stringify(value), 'utf8'));
    const reader = state.reader!;
    const problems: string[] = [];
    if (!reader.isValid(value, { errorHook: (path, v) => problems.push(`${path.join('.') || '(value)'} = ${JSON.stringify(v)?.slice(0, 80)}`) })) {
      throw new AuraError(
        ErrorCodes.SCHEMA_VIOLATION,
        `value does not match the Avro schema of topic ${topic} (${state.spec.source}): ${problems.slice(0, 5).join('; ')}`,
      );
    }
    return encodeWire(state.id, reader.toBuffer(value));
  }

  private resolver(id: number, writer: avro.Type, reader: avro.Type): avro.Resolver {
    const key = `${id}:${reader.name ?? ''}`;
    let resolver = this.resolvers.get(key);
    if (!resolver) {
      try {
        resolver = reader.createResolver(writer);
      } catch (err) {
        throw new AuraError(
          ErrorCodes.DESERIALIZATION,
          `records written with schema id ${id} cannot be read with the topic's current schema (not backward compatible): ${errorMessage(err)}`,
          { cause: err },
        );
      }
      this.resolvers.set(key, resolver);
    }
    return resolver;
  }

  private async fetchWriter(id: number): Promise<void> {
    try {
      const found = await this.client.schemaById(id);
      this.writers.set(id, { schemaType: found.schemaType, type: found.schemaType === 'AVRO' ? avroType(JSON.parse(found.schema)) : undefined });
    } catch (err) {
      if (err instanceof RegistryHttpError && err.status === 404) {
        if (this.unknown.size >= MAX_UNKNOWN_IDS) this.unknown.delete(this.unknown.keys().next().value!);
        this.unknown.set(
          id,
          new AuraError(
            ErrorCodes.DESERIALIZATION,
            `unknown schema id ${id}: the Schema Registry has no schema with this id (written against another registry, or the schema was deleted)`,
            { details: { schemaId: id } },
          ),
        );
        return;
      }
      throw err;
    }
  }
}
