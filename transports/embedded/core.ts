/**
 * What the embedded clients (admin, producers, consumers) share: one log,
 * one catalog, one transaction and group coordinator, one notifier. Owned and
 * closed by the transport.
 */
import { AuraError, ErrorCodes } from '../../common/errors.js';
import type { GroupCoordinator } from './group-coordinator.js';
import type { LogStore } from './log-store.js';
import type { Notifier } from './notifier.js';
import type { OffsetStore } from './offset-store.js';
import type { TopicCatalog } from './topic-catalog.js';
import type { TxnCoordinator } from './transactions.js';

export interface EmbeddedClient {
  /** Releases the client without callbacks (the transport is closing). */
  detach(): void;
}

export interface EmbeddedCore {
  readonly catalog: TopicCatalog;
  readonly log: LogStore;
  readonly offsets: OffsetStore;
  readonly txns: TxnCoordinator;
  readonly groups: GroupCoordinator;
  readonly notifier: Notifier;
  /** Throws once the transport is closed. */
  assertOpen(): void;
  /** A new client id, unique in this transport (member ids of groups). */
  nextClientId(prefix: string): string;
  track(client: EmbeddedClient): void;
  untrack(client: EmbeddedClient): void;
}

export function closedError(what: string): AuraError {
  return new AuraError(ErrorCodes.TRANSPORT_FAILED, `${what} is closed`);
}
