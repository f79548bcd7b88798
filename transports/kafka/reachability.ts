/**
 * Whether the cluster answers, as the clients of one KafkaTransport see it,
 * for readiness. librdkafka reports when every broker connection of a client
 * is down, but never that one came back: "down" is set by a consumer's error
 * event (consumers fetch all the time, so an idle connection closed by the
 * broker is no false alarm) and cleared by any call of any client of the
 * transport that a broker answered — the engine's lag refresh makes one every
 * 2 s. Fetched records prove nothing: librdkafka hands out what it prefetched
 * before the broker went away.
 */
export class Reachability {
  private down: { since: number; error: string } | undefined;

  /** A client sees no broker at all. */
  lost(error: string): void {
    this.down ??= { since: Date.now(), error };
  }

  /** A call got its answer from a broker. */
  reached(): void {
    this.down = undefined;
  }

  unreachableSince(): { since: number; error: string } | undefined {
    return this.down && { ...this.down };
  }
}

/** librdkafka's event message for "every broker connection is down" (the binding drops its code). */
export const ALL_BROKERS_DOWN = /all broker connections are down/i;
