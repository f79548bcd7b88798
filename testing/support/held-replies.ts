/**
 * A transport whose gateway reply consumers (client id `…-gateway-replies-…`)
 * hand nothing over while `held.on`: what reaches a user's stream meanwhile
 * came from the engine of the same process at its commit
 * (ReplyConsumer.follow). A poll already waiting when the hold began keeps
 * what it fetched for after the release, so nothing is skipped. `held.read`
 * lists the records of reply topics the consumer did get (the instance
 * registry's aside). Every other client is the transport's own.
 */
import type { LogRecord, Transport } from '../../transports/types.js';

export interface Held {
  on: boolean;
  read: LogRecord[];
}

export function holdReplyConsumers<T extends Transport>(inner: T, held: Held): T {
  return new Proxy(inner, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (prop !== 'consumer') return typeof value === 'function' ? value.bind(target) : value;
      return (options: Parameters<Transport['consumer']>[0]) => {
        const c = target.consumer(options);
        if (!options.clientId?.includes('-gateway-replies-')) return c;
        const poll = c.poll.bind(c);
        let kept: LogRecord[] = [];
        c.poll = async (max, timeout) => {
          if (!held.on && kept.length === 0) {
            const fetched = await poll(max, timeout);
            if (!held.on) return deliver(fetched);
            kept = fetched; // the hold began while this poll waited
            return [];
          }
          if (held.on) {
            await new Promise((r) => setTimeout(r, 20));
            return [];
          }
          const out = kept;
          kept = [];
          return deliver(out);
        };
        return c;
      };
    },
  });

  function deliver(records: LogRecord[]): LogRecord[] {
    for (const r of records) if (!r.topic.endsWith('-gateway-instances')) held.read.push(r);
    return records;
  }
}
