/**
 * `npm run load`: the gateway load test of the plan — 100 concurrent
 * simulated users publishing events and asking for advice while subscribed.
 * Exits non-zero if any status or chunk is lost, doubled or out of order.
 *
 *   npm run load -- --users 100 --events 20 --advice 3 --think 250 --ramp 2000 --embedder hashing
 *
 * `--kafka` runs the server on KAFKA_BROKERS (unique topic names, deleted afterwards); without
 * KAFKA_BROKERS it starts a broker with scripts/kafka.sh on KAFKA_PORT (else AURA_BENCH_KAFKA_PORT,
 * 19292) and stops it afterwards (one that already ran there is left running).
 * Prints the client's latencies, issue 12's targets for the transport, and where the time went
 * per hop on the server (bench/load/breakdown.ts).
 * `--think` is the pause between two actions of a user (±50%); `--think 0` is a stress test (the
 * numbers then measure queueing at saturation). Each user's first request, which opens its HTTP
 * connection, is a warm-up and is not measured.
 */
import { parseArgs } from 'node:util';
import { ensureBroker } from './kafka/broker.js';
import { runLoad } from './load/run-load.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '100' },
    events: { type: 'string', default: '20' },
    advice: { type: 'string', default: '3' },
    think: { type: 'string', default: '250' },
    ramp: { type: 'string', default: '2000' },
    embedder: { type: 'string', default: 'hashing' },
    kafka: { type: 'boolean', default: false },
  },
});

let broker: ReturnType<typeof ensureBroker> | undefined;
if (values.kafka && !process.env.KAFKA_BROKERS?.trim()) {
  if (process.env.KAFKA_PORT) process.env.AURA_BENCH_KAFKA_PORT ??= process.env.KAFKA_PORT;
  broker = ensureBroker((line) => process.stderr.write(`${line}\n`));
  process.env.KAFKA_BROKERS = broker.brokers;
}
const report = await runLoad({
  users: Number(values.users),
  eventsPerUser: Number(values.events),
  advicePerUser: Number(values.advice),
  thinkMs: Number(values.think),
  rampMs: Number(values.ramp),
  embedder: values.embedder === 'minilm' ? 'minilm' : 'hashing',
  kafka: values.kafka,
}).finally(() => broker?.stop());
process.stdout.write(`${report.text}\n`);
process.exitCode = report.ok ? 0 : 1;
