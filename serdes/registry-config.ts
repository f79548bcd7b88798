/**
 * Where the Schema Registry is and how to log in, from the environment, with
 * the names Confluent's tools and docs use:
 *
 *   SCHEMA_REGISTRY_URL                     https://psrc-xxxxx.region.provider.confluent.cloud (Confluent Cloud),
 *                                           http://localhost:8081 (Confluent Platform), or any compatible API
 *                                           (Apicurio: http://host:8080/apis/ccompat/v7)
 *   SCHEMA_REGISTRY_API_KEY                 Confluent Cloud Schema Registry API key (sent as the basic-auth user)
 *   SCHEMA_REGISTRY_API_SECRET              its secret (the basic-auth password)
 *   SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO    or both at once as `key:secret` (Confluent's basic.auth.user.info)
 *   SCHEMA_REGISTRY_AUTO_REGISTER           `true` (default) registers a topic's schema at start when its
 *                                           subject lacks it, as Confluent serializers do (auto.register.schemas);
 *                                           `false` requires `aura schemas apply` first
 *
 * Secrets never leave this file in printable form: `describeRegistryConfig` is what logs may show.
 */
import { AuraError, ErrorCodes } from '../common/errors.js';

export interface RegistryConfig {
  /** Base URL of the Confluent-compatible API, without a trailing slash. */
  url: string;
  username?: string;
  password?: string;
  autoRegister: boolean;
  /** Per-request timeout. */
  timeoutMs: number;
}

export const REGISTRY_ENV = {
  url: 'SCHEMA_REGISTRY_URL',
  apiKey: 'SCHEMA_REGISTRY_API_KEY',
  apiSecret: 'SCHEMA_REGISTRY_API_SECRET',
  userInfo: 'SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO',
  autoRegister: 'SCHEMA_REGISTRY_AUTO_REGISTER',
} as const;

/** The registry settings, or undefined when SCHEMA_REGISTRY_URL is not set. */
export function registryConfigFromEnv(env: NodeJS.ProcessEnv = process.env): RegistryConfig | undefined {
  const raw = env[REGISTRY_ENV.url]?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AuraError(ErrorCodes.CONFIG_INVALID, `${REGISTRY_ENV.url} is not a URL: "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new AuraError(ErrorCodes.CONFIG_INVALID, `${REGISTRY_ENV.url} must be http:// or https://, got "${raw}"`);
  let username = env[REGISTRY_ENV.apiKey] || undefined;
  let password = env[REGISTRY_ENV.apiSecret] || undefined;
  const userInfo = env[REGISTRY_ENV.userInfo];
  if (userInfo) {
    const colon = userInfo.indexOf(':');
    if (colon < 1) throw new AuraError(ErrorCodes.CONFIG_INVALID, `${REGISTRY_ENV.userInfo} must be "<api key>:<api secret>"`);
    username = userInfo.slice(0, colon);
    password = userInfo.slice(colon + 1);
  }
  if (Boolean(username) !== Boolean(password)) {
    throw new AuraError(
      ErrorCodes.CONFIG_INVALID,
      `${REGISTRY_ENV.apiKey} and ${REGISTRY_ENV.apiSecret} go together: set both (or ${REGISTRY_ENV.userInfo}=key:secret)`,
    );
  }
  const auto = env[REGISTRY_ENV.autoRegister]?.trim().toLowerCase();
  if (auto && auto !== 'true' && auto !== 'false')
    throw new AuraError(ErrorCodes.CONFIG_INVALID, `${REGISTRY_ENV.autoRegister} must be true or false, got "${auto}"`);
  return { url: raw.replace(/\/+$/, ''), username, password, autoRegister: auto !== 'false', timeoutMs: 10_000 };
}

/** One line for logs: the secret is never shown, the key only in part. */
export function describeRegistryConfig(config: RegistryConfig): string {
  const parts = [`url=${config.url}`];
  if (config.username) parts.push(`key=${config.username.slice(0, 2)}***`, 'secret=***');
  if (!config.autoRegister) parts.push('auto-register=false');
  return parts.join(' ');
}
