/**
 * Where contract violations go: the log, and the `aura:contract-violation`
 * channel of node:diagnostics_channel, which the test suite's setup
 * (testing/support/contract-setup.ts) subscribes to. Dependency-free, so that
 * setup file costs the other tests nothing.
 */
import diagnostics from 'node:diagnostics_channel';
import type { Logger } from '../../common/logger.js';

export const CONTRACT_VIOLATION_CHANNEL = 'aura:contract-violation';

export interface ContractViolation {
  /** `http` (a response, check.ts) or `ws` (a WebSocket message or close code, testing/support/ws-client.ts). */
  source: string;
  method: string;
  path: string;
  status: number;
  problems: string[];
}

export function reportViolation(v: ContractViolation, logger?: Logger): void {
  logger?.error(v, 'contract violation: this answer is not what the contract says');
  diagnostics.channel(CONTRACT_VIOLATION_CHANNEL).publish(v);
}
