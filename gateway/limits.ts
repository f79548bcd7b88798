/**
 * Every abuse limit of the gateway, declared once: the field of
 * `GatewayLimits`, the environment variable `aura serve` reads it from, its
 * default and what it bounds. `DEFAULT_LIMITS`, the parsing in config.ts and
 * the table of docs/security.md (checked by limits.test.ts) come from here.
 */
export interface LimitSetting {
  /** The environment variable of `aura serve`; absent for limits only code sets. */
  env?: string;
  default: number;
  unit: 'bytes' | 'ms' | 'seconds' | 'count' | 'per second';
  /** What it bounds, for the docs. */
  doc: string;
}

export const LIMIT_SETTINGS = {
  bodyBytes: { env: 'AURA_BODY_LIMIT', default: 16 * 1024, unit: 'bytes', doc: 'largest request body (413 above)' },
  ratePerSecond: { env: 'AURA_RATE_LIMIT', default: 20, unit: 'per second', doc: 'authenticated requests per user (token bucket, 429 above)' },
  rateBurst: { env: 'AURA_RATE_BURST', default: 40, unit: 'count', doc: 'burst of that bucket' },
  anonRatePerSecond: {
    env: 'AURA_ANON_RATE_LIMIT',
    default: 10,
    unit: 'per second',
    doc: 'requests per client address to unauthenticated routes (dev token, topology, metrics, unknown paths), WebSocket handshakes and failed authentications (429 above)',
  },
  anonRateBurst: { env: 'AURA_ANON_RATE_BURST', default: 50, unit: 'count', doc: 'burst of that bucket' },
  idempotencyMaxEntries: { default: 50_000, unit: 'count', doc: 'Idempotency-Key entries remembered' },
  idempotencyTtlMs: { default: 24 * 3_600_000, unit: 'ms', doc: 'how long an Idempotency-Key is remembered' },
  publishTimeoutMs: {
    env: 'AURA_PUBLISH_TIMEOUT_MS',
    default: 5_000,
    unit: 'ms',
    doc: 'longest wait for the event log to acknowledge a published event (a broker outage: then 503 with `Retry-After`, the retry backoff of the outage so far, 1–5 s)',
  },
  adviceDeadlineMs: { env: 'AURA_ADVICE_DEADLINE_MS', default: 30_000, unit: 'ms', doc: 'Guardian deadline of each advice request' },
  streamBufferPerUser: { env: 'AURA_STREAM_BUFFER', default: 1_000, unit: 'count', doc: 'stream messages kept per user for resume (`?since=`)' },
  streamTtlMs: { default: 24 * 3_600_000, unit: 'ms', doc: 'how long stream messages are kept' },
  wsMaxConnections: { env: 'AURA_WS_MAX_CONNECTIONS', default: 2_000, unit: 'count', doc: 'open WebSockets per instance (more: closed with 1013)' },
  wsMaxPerUser: {
    env: 'AURA_WS_MAX_PER_USER',
    default: 4,
    unit: 'count',
    doc: 'open WebSockets per user, per client address on `/topology/live` (more: closed with 1008)',
  },
  wsMaxMessageBytes: { env: 'AURA_WS_MAX_MESSAGE', default: 4_096, unit: 'bytes', doc: 'largest message a client may send (larger: closed with 1009)' },
  wsHeartbeatMs: { env: 'AURA_WS_HEARTBEAT_MS', default: 30_000, unit: 'ms', doc: 'ping interval; a peer that missed the previous pong is dropped' },
  socketMaxBufferedBytes: {
    env: 'AURA_WS_MAX_BUFFERED',
    default: 256 * 1024,
    unit: 'bytes',
    doc: 'bytes queued on one socket: above it the user stream pauses (and resumes from the store by seq), topology updates and pongs are skipped',
  },
  tokenMaxTtlSeconds: {
    env: 'AURA_JWT_MAX_TTL',
    default: 24 * 3600,
    unit: 'seconds',
    doc: 'longest token lifetime accepted (`exp` − now and `exp` − `iat`); `exp` is required',
  },
} as const satisfies Record<string, LimitSetting>;

export type GatewayLimits = { -readonly [K in keyof typeof LIMIT_SETTINGS]: number };

export const DEFAULT_LIMITS: GatewayLimits = Object.fromEntries(Object.entries(LIMIT_SETTINGS).map(([k, s]) => [k, s.default])) as GatewayLimits;

/** The table of docs/security.md ("Limits"), from the declarations above (limits.test.ts keeps the docs equal to it). */
export function limitsTable(): string {
  const rows = Object.entries(LIMIT_SETTINGS).map(
    ([key, s]: [string, LimitSetting]) => `| ${s.env ? `\`${s.env}\`` : `— (\`${key}\`)`} | ${s.default} | ${s.unit} | ${s.doc} |`,
  );
  return ['| variable | default | unit | bounds |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
