/**
 * The process logger (pino: structured JSON, cheap when a level is off).
 * `AURA_LOG_LEVEL` sets the level; tests default to `silent` so failures are
 * read from assertions, not log noise.
 */
import { type Logger, pino } from 'pino';

export type { Logger };

export function createLogger(name = 'aura', level = process.env.AURA_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info')): Logger {
  return pino({ name, level, redact: ['*.password', '*.api_key', '*.apiKey', '*.secret', 'sasl.password'] });
}
