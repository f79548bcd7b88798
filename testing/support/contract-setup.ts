/**
 * Vitest setup (vitest.config.ts `setupFiles`): every gateway a test starts
 * checks its responses against its OpenAPI document (AURA_CHECK_RESPONSES),
 * the test WebSocket client checks every message against the AsyncAPI
 * document (ws-client.ts), and a violation of either — published on the
 * `aura:contract-violation` diagnostics channel — fails the test that caused
 * it. So every existing gateway test is also a contract test, and an
 * undeclared status code, a missing Retry-After or a body that does not match
 * its schema fails the suite.
 */
import diagnostics from 'node:diagnostics_channel';
import { afterEach, expect } from 'vitest';
import { CONTRACT_VIOLATION_CHANNEL, type ContractViolation } from '../../gateway/openapi/violations.js';

process.env.AURA_CHECK_RESPONSES ??= '1';

const seen: ContractViolation[] = [];
diagnostics.subscribe(CONTRACT_VIOLATION_CHANNEL, (message) => void seen.push(message as ContractViolation));

afterEach(() => {
  const violations = seen.splice(0);
  expect(
    violations.map((v) => `${v.source} ${v.method} ${v.path} → ${v.status}: ${v.problems.join('; ')}`),
    'contract violations (docs/openapi.json, docs/asyncapi.yaml)',
  ).toEqual([]);
});
