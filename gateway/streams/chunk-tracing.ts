/**
 * The `deliver guardian.chunk` span (docs/operations.md, "Tracing"): a Guardian
 * chunk read by this gateway, stored in the user's stream and written to their
 * open sockets. Its parent is the chunk record's `traceparent` — the
 * Guardian's processor span — so the delivery ends the request's trace.
 */
import { context, SpanKind, trace } from '@opentelemetry/api';
import { contextOfHeaders, recordFailure, SpanNames, startSpan } from '../../common/tracing/spans.js';
import type { LogRecord } from '../../transports/types.js';
import type { GuardianChunk } from './advice-tracker.js';

export function traceChunkDelivery(record: LogRecord, chunk: GuardianChunk, deliver: () => void): void {
  const parent = contextOfHeaders(record.headers);
  const span = startSpan(SpanNames.deliverChunk, SpanKind.CONSUMER, parent, () => ({
    'messaging.operation.name': 'process',
    'messaging.operation.type': 'process',
    'messaging.destination.name': record.topic,
    'messaging.destination.partition.id': String(record.partition),
    // A chunk handed over by this process's engine (engine.onReadable) carries no offset.
    ...(record.offset >= 0 ? { 'messaging.kafka.offset': record.offset } : {}),
    'aura.guardian.correlation_id': chunk.correlation_id,
    'aura.guardian.chunk.index': chunk.seq,
    'aura.guardian.chunk.final': chunk.final,
  }));
  try {
    context.with(trace.setSpan(parent, span), deliver);
  } catch (err) {
    recordFailure(span, err);
    span.end();
    throw err;
  }
  // The reply consumer writes a batch's messages to the sockets right after its transaction
  // committed, synchronously once this handler returned (UserOutbox.batch): ended in a microtask,
  // the span covers that write. A paused socket gets the chunk later, from the store.
  queueMicrotask(() => span.end());
}
