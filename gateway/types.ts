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

/** The limits the app runs with: declared (env var, default, meaning) in limits.ts. */
export { DEFAULT_LIMITS, type GatewayLimits } from './limits.js';
