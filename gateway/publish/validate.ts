/**
 * Request bodies checked against the event data schemas of `schemas/events`
 * (the same files the pipeline's topics name), every problem at once, each
 * with the JSON pointer of the offending field.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { EventSchemaSet } from '../../schemas/event-schemas.js';

export interface FieldError {
  /** JSON pointer into the body (`/score`, `/emotions/2`); `""` is the body itself. */
  path: string;
  message: string;
}

export type UserEventType = 'user.mood.created' | 'user.activity.created' | 'user.ikigai.updated';

/** The publishing endpoints of the plan: path segment → data schema and event type. */
export const PUBLISH_KINDS: Record<string, { schema: string; type: UserEventType }> = {
  'mood-entries': { schema: 'mood-entry', type: 'user.mood.created' },
  activities: { schema: 'activity', type: 'user.activity.created' },
  ikigai: { schema: 'ikigai-update', type: 'user.ikigai.updated' },
};

const escape = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');

function toFieldError(e: ErrorObject): FieldError {
  const p = e.params as Record<string, unknown>;
  // Point at the field that is missing or unexpected, not at its parent object.
  if (e.keyword === 'required') return { path: `${e.instancePath}/${escape(String(p.missingProperty))}`, message: 'is required' };
  if (e.keyword === 'additionalProperties') return { path: `${e.instancePath}/${escape(String(p.additionalProperty))}`, message: 'is not allowed' };
  if (e.keyword === 'enum') return { path: e.instancePath, message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
  return { path: e.instancePath, message: e.message ?? 'is invalid' };
}

export class BodyValidator {
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly schemas: EventSchemaSet = EventSchemaSet.cached()) {}

  /** Compiles up front so a broken schema fails at start-up, not at the first request. */
  preload(ids: string[]): this {
    for (const id of ids) this.get(id);
    return this;
  }

  /** The problems of `body` against schema `id`; empty when it is valid. */
  validate(id: string, body: unknown): FieldError[] {
    const validate = this.get(id);
    if (validate(body)) return [];
    return (validate.errors ?? []).map(toFieldError);
  }

  private get(id: string): ValidateFunction {
    let v = this.validators.get(id);
    if (!v) {
      v = this.schemas.validator(id);
      this.validators.set(id, v);
    }
    return v;
  }
}
