import { describe, expect, it } from 'vitest';
import { AuraError } from '../common/errors.js';
import { transactionalId, transactionalProducersFromEnv, transactionsInFlightFromEnv } from './commit-supervisor.js';

describe('commit supervisor settings', () => {
  it('reads AURA_TRANSACTIONS_IN_FLIGHT: 1 or 2, unset means the default', () => {
    expect(transactionsInFlightFromEnv({})).toBeUndefined();
    expect(transactionsInFlightFromEnv({ AURA_TRANSACTIONS_IN_FLIGHT: ' ' })).toBeUndefined();
    expect(transactionsInFlightFromEnv({ AURA_TRANSACTIONS_IN_FLIGHT: '1' })).toBe(1);
    expect(transactionsInFlightFromEnv({ AURA_TRANSACTIONS_IN_FLIGHT: '2' })).toBe(2);
    for (const bad of ['0', '3', '1.5', 'two', '-1']) {
      expect(() => transactionsInFlightFromEnv({ AURA_TRANSACTIONS_IN_FLIGHT: bad }), bad).toThrow(AuraError);
      expect(() => transactionsInFlightFromEnv({ AURA_TRANSACTIONS_IN_FLIGHT: bad }), bad).toThrow(/must be 1 or 2/);
    }
  });

  it('reads AURA_TRANSACTIONAL_PRODUCERS: 1 or 2, unset means one per transaction in flight', () => {
    expect(transactionalProducersFromEnv({})).toBeUndefined();
    expect(transactionalProducersFromEnv({ AURA_TRANSACTIONAL_PRODUCERS: '1' })).toBe(1);
    expect(transactionalProducersFromEnv({ AURA_TRANSACTIONAL_PRODUCERS: '2' })).toBe(2);
    for (const bad of ['0', '3', 'one'])
      expect(() => transactionalProducersFromEnv({ AURA_TRANSACTIONAL_PRODUCERS: bad }), bad).toThrow(/AURA_TRANSACTIONAL_PRODUCERS must be 1 or 2/);
  });

  it('keeps the single producer’s transactional id for the first producer (a restart still fences the predecessor)', () => {
    expect(transactionalId('aura360', 'aura-1', 0)).toBe('aura360-aura-1');
    expect(transactionalId('aura360', 'aura-1', 1)).toBe('aura360-aura-1-1');
  });
});
