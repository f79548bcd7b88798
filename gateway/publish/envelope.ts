/**
 * The event envelope of `aura360.user.events` (schema `user-event`). The id is
 * random, except with an Idempotency-Key: then it is a name-based UUID of user
 * and key, so a retry — even one this instance no longer remembers — carries
 * the same id and the aggregate folds the event once.
 */
import { randomUUID } from 'node:crypto';
import { uuidV5 } from '../../providers/point-id.js';
import type { UserEventType } from './validate.js';

/** Namespace of event ids derived from idempotency keys (a fixed random UUID: never change it). */
const EVENT_NAMESPACE = Buffer.from('3b9e7c1d5a2f4e8b9c0d1e2f3a4b5c6d', 'hex');

const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

export interface UserEventEnvelope {
  id: string;
  type: UserEventType;
  user_id: string;
  time: string;
  idempotency_key?: string;
  trace?: { traceparent?: string; tracestate?: string };
  data: unknown;
}

export interface EnvelopeInput {
  type: UserEventType;
  userId: string;
  data: unknown;
  now: number;
  idempotencyKey?: string;
  traceparent?: string;
  tracestate?: string;
}

export function eventIdFor(userId: string, idempotencyKey?: string): string {
  return idempotencyKey === undefined ? randomUUID() : uuidV5(`${userId}\u0000${idempotencyKey}`, EVENT_NAMESPACE);
}

/** A W3C `traceparent` when well-formed (an invalid one is dropped, as the spec asks), else undefined. */
export function validTraceparent(value: string | undefined): string | undefined {
  const v = value?.trim().toLowerCase();
  return v && TRACEPARENT.test(v) && !v.startsWith('ff') ? v : undefined;
}

export function buildEnvelope(input: EnvelopeInput): UserEventEnvelope {
  const traceparent = validTraceparent(input.traceparent);
  const tracestate = traceparent && input.tracestate ? input.tracestate.slice(0, 512) : undefined;
  return {
    id: eventIdFor(input.userId, input.idempotencyKey),
    type: input.type,
    user_id: input.userId,
    time: new Date(input.now).toISOString(),
    ...(input.idempotencyKey !== undefined ? { idempotency_key: input.idempotencyKey } : {}),
    ...(traceparent ? { trace: { traceparent, ...(tracestate ? { tracestate } : {}) } } : {}),
    data: input.data,
  };
}
