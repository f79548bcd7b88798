/**
 * A transport whose gateway reply consumers (client id `…-gateway-replies-…`)
 * read nothing while `held.on`: what reaches a user's stream meanwhile came
 * from the engine of the same process at its commit (ReplyConsumer.follow).
 * `held.replies` counts the records of reply topics they did read (the
 * instance registry's aside). Every other client is the transport's own.
 */
import type { Transport } from '../../transports/types.js';

export interface Held {
  on: boolean;
  replies: number;
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
        c.poll = async (max, timeout) => {
          if (held.on) {
            await new Promise((r) => setTimeout(r, 20));
            return [];
          }
          const records = await poll(max, timeout);
          held.replies += records.filter((r) => !r.topic.endsWith('-gateway-instances')).length;
          return records;
        };
        return c;
      };
    },
  });
}
