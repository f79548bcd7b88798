/**
 * Record headers the gateway puts on what it produces. The engine forwards a
 * record's headers to everything derived from it (aggregate → vectorize →
 * ingest, join → guardian → responses and chunks, dead letters), so these come
 * back on the outputs and route each one to the instance, user and event it
 * belongs to without any lookup table.
 */
export const GatewayHeaders = {
  /** The gateway instance that produced the record: outputs for other instances are ignored. */
  replyTo: 'aura.reply.to',
  /** Id of the user event an output derives from (processing status). */
  eventId: 'aura.event.id',
  /** Type of that event. */
  eventType: 'aura.event.type',
  /** W3C trace context, copied from the HTTP request. */
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;

/** HTTP header marking a request forwarded by another instance (loop guard of interactive queries). */
export const FORWARDED_HEADER = 'x-aura-forwarded-by';
