/**
 * A client of the Confluent Schema Registry REST API (Confluent Platform and
 * Cloud, Apicurio's /apis/ccompat/v7, Redpanda, Karapace). Schemas by id are
 * immutable, so they are cached for good; a subject's id for a given schema
 * text too (TopicNameStrategy: subject `<topic>-value`). Network errors, 5xx
 * and 429 are retried with backoff; other answers are final.
 */
import { AuraError, ErrorCodes, errorMessage } from '../common/errors.js';
import type { RegistryConfig } from './registry-config.js';

export type SchemaType = 'AVRO' | 'JSON' | 'PROTOBUF';
export type CompatibilityLevel = 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FORWARD_TRANSITIVE' | 'FULL' | 'FULL_TRANSITIVE' | 'NONE';

export interface RegisteredSchema {
  id: number;
  schemaType: SchemaType;
  /** The schema text as the registry holds it. */
  schema: string;
}

export interface SubjectVersion extends RegisteredSchema {
  subject: string;
  version: number;
}

export interface CompatibilityResult {
  compatible: boolean;
  /** Why not, as the registry says it (the incompatible fields are named there). */
  messages: string[];
}

/** The record value subject of a topic (Confluent's default TopicNameStrategy). */
export function valueSubject(topicName: string): string {
  return `${topicName}-value`;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const RETRIES = 3;

export class RegistryHttpError extends AuraError {
  constructor(
    readonly status: number,
    readonly errorCode: number | undefined,
    message: string,
  ) {
    super(ErrorCodes.SCHEMA_REGISTRY_FAILED, message, { retriable: status >= 500 || status === 429, details: { status, errorCode } });
  }
}

export class SchemaRegistryClient {
  private readonly byId = new Map<number, Promise<RegisteredSchema>>();
  private readonly idBySubjectSchema = new Map<string, number>();
  private readonly authorization?: string;

  constructor(readonly config: RegistryConfig) {
    if (config.username) this.authorization = `Basic ${Buffer.from(`${config.username}:${config.password ?? ''}`).toString('base64')}`;
  }

  /** The schema with this id (cached; a failed lookup is not). 404 → RegistryHttpError with status 404. */
  schemaById(id: number): Promise<RegisteredSchema> {
    let hit = this.byId.get(id);
    if (!hit) {
      hit = this.request<{ schema: string; schemaType?: SchemaType }>('GET', `/schemas/ids/${id}`).then((r) => ({
        id,
        schema: r.schema,
        schemaType: r.schemaType ?? 'AVRO',
      }));
      hit.catch(() => this.byId.delete(id));
      this.byId.set(id, hit);
    }
    return hit;
  }

  /** Whether `schema` is registered under `subject`: its version and id, or undefined. */
  async lookup(subject: string, schema: string, schemaType: SchemaType): Promise<SubjectVersion | undefined> {
    try {
      const r = await this.request<{ id: number; version: number; schema: string }>('POST', `/subjects/${enc(subject)}`, body(schema, schemaType));
      this.remember(subject, schema, r.id);
      return { subject, version: r.version, id: r.id, schema: r.schema, schemaType };
    } catch (err) {
      if (err instanceof RegistryHttpError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** Registers `schema` under `subject` (a no-op returning the id when it is there already). Incompatible → SCHEMA_INCOMPATIBLE. */
  async register(subject: string, schema: string, schemaType: SchemaType): Promise<number> {
    const cached = this.idBySubjectSchema.get(`${subject}\n${schema}`);
    if (cached !== undefined) return cached;
    try {
      const r = await this.request<{ id: number }>('POST', `/subjects/${enc(subject)}/versions`, body(schema, schemaType));
      this.remember(subject, schema, r.id);
      return r.id;
    } catch (err) {
      if (err instanceof RegistryHttpError && err.status === 409) {
        throw new AuraError(ErrorCodes.SCHEMA_INCOMPATIBLE, `subject ${subject}: the registry refused the schema as incompatible: ${err.message}`, {
          cause: err,
        });
      }
      throw err;
    }
  }

  /** Checks `schema` against the latest version of `subject` under the subject's compatibility level. A new subject is compatible. */
  async checkCompatibility(subject: string, schema: string, schemaType: SchemaType): Promise<CompatibilityResult> {
    try {
      const r = await this.request<{ is_compatible: boolean; messages?: string[]; reason?: string }>(
        'POST',
        `/compatibility/subjects/${enc(subject)}/versions/latest?verbose=true`,
        body(schema, schemaType),
      );
      const messages = [...(r.messages ?? []), ...(r.reason ? [r.reason] : [])];
      return { compatible: r.is_compatible, messages };
    } catch (err) {
      if (err instanceof RegistryHttpError && err.status === 404) return { compatible: true, messages: [] };
      throw err;
    }
  }

  /** The latest version under `subject`, or undefined when the subject has none. */
  async latest(subject: string): Promise<SubjectVersion | undefined> {
    try {
      const r = await this.request<{ id: number; version: number; schema: string; schemaType?: SchemaType }>(
        'GET',
        `/subjects/${enc(subject)}/versions/latest`,
      );
      return { subject, id: r.id, version: r.version, schema: r.schema, schemaType: r.schemaType ?? 'AVRO' };
    } catch (err) {
      if (err instanceof RegistryHttpError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** The subject's own compatibility level, or undefined when it follows the global one. */
  async subjectCompatibility(subject: string): Promise<CompatibilityLevel | undefined> {
    try {
      const r = await this.request<{ compatibilityLevel?: CompatibilityLevel; compatibility?: CompatibilityLevel }>('GET', `/config/${enc(subject)}`);
      return r.compatibilityLevel ?? r.compatibility;
    } catch (err) {
      if (err instanceof RegistryHttpError && err.status === 404) return undefined;
      throw err;
    }
  }

  async setSubjectCompatibility(subject: string, level: CompatibilityLevel): Promise<void> {
    await this.request('PUT', `/config/${enc(subject)}`, JSON.stringify({ compatibility: level }));
  }

  private remember(subject: string, schema: string, id: number): void {
    this.idBySubjectSchema.set(`${subject}\n${schema}`, id);
  }

  private async request<T>(method: string, path: string, payload?: string): Promise<T> {
    const headers: Record<string, string> = { accept: CONTENT_TYPE };
    if (payload !== undefined) headers['content-type'] = CONTENT_TYPE;
    if (this.authorization) headers.authorization = this.authorization;
    for (let attempt = 1; ; attempt++) {
      let failure: AuraError;
      try {
        const res = await fetch(`${this.config.url}${path}`, { method, headers, body: payload, signal: AbortSignal.timeout(this.config.timeoutMs) });
        const text = await res.text();
        if (res.ok) return (text ? JSON.parse(text) : {}) as T;
        failure = httpError(method, path, res.status, text);
      } catch (err) {
        failure = new AuraError(
          ErrorCodes.SCHEMA_REGISTRY_FAILED,
          `Schema Registry ${this.config.url} did not answer ${method} ${path}: ${errorMessage(err)}`,
          { cause: err, retriable: true },
        );
      }
      if (!failure.retriable || attempt > RETRIES) throw failure;
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** (attempt - 1)));
    }
  }
}

function httpError(method: string, path: string, status: number, text: string): RegistryHttpError {
  let errorCode: number | undefined;
  let message = text.slice(0, 500);
  try {
    const parsed = JSON.parse(text) as { error_code?: number; message?: string };
    errorCode = parsed.error_code;
    message = parsed.message ?? message;
  } catch {
    // not JSON (a proxy's page): keep the text
  }
  const auth = status === 401 || status === 403 ? ' (check SCHEMA_REGISTRY_API_KEY / SCHEMA_REGISTRY_API_SECRET)' : '';
  return new RegistryHttpError(status, errorCode, `${method} ${path}: HTTP ${status}${errorCode ? ` (error ${errorCode})` : ''}: ${message}${auth}`);
}

function body(schema: string, schemaType: SchemaType): string {
  // AVRO is the API's default and older registries reject an explicit one.
  return JSON.stringify(schemaType === 'AVRO' ? { schema } : { schema, schemaType });
}

function enc(subject: string): string {
  return encodeURIComponent(subject);
}
