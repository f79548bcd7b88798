/**
 * Types shared by the gateway's routes and middleware: the Hono environment
 * (what middleware puts on the context) and the limits the app runs with.
 */
export type GatewayEnv = {
  Variables: {
    /** The authenticated user (JWT `sub`). */
    user: string;
    /** Set by hono/jwt. */
    jwtPayload: unknown;
  };
};

export interface GatewayLimits {
  /** Largest accepted request body, bytes (413 above). */
  bodyBytes: number;
  /** Per-user token bucket: sustained requests per second and burst (429 above). */
  ratePerSecond: number;
  rateBurst: number;
  /** Idempotency-Key memory: entries kept and for how long. */
  idempotencyMaxEntries: number;
  idempotencyTtlMs: number;
  /** Guardian deadline for each advice request. */
  adviceDeadlineMs: number;
  /** Messages kept per user for WebSocket resume (`?since=`), and for how long. */
  streamBufferPerUser: number;
  streamTtlMs: number;
  /** Bytes queued on a socket before the gateway drops it (the client resumes with `since`). */
  socketMaxBufferedBytes: number;
}

export const DEFAULT_LIMITS: GatewayLimits = {
  bodyBytes: 16 * 1024,
  ratePerSecond: 20,
  rateBurst: 40,
  idempotencyMaxEntries: 50_000,
  idempotencyTtlMs: 24 * 3_600_000,
  adviceDeadlineMs: 30_000,
  streamBufferPerUser: 1_000,
  streamTtlMs: 24 * 3_600_000,
  socketMaxBufferedBytes: 4 * 1024 * 1024,
};
