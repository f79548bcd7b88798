/**
 * The body of one stream thread (runtime/stream-threads.ts says why it is a
 * child process): a whole pipeline app (runtime/app.ts) of its own — Kafka
 * transport, consumer (a member of the pipeline's group), transactional
 * producer, tasks and their state — built from the pipeline its supervisor
 * compiled, as `aura run` builds its one engine. It starts when its supervisor sends what to run, says when it
 * runs, and runs until the supervisor asks it to stop (it then commits, leaves
 * the group and closes its clients) or its engine fails (it says why and
 * closes them).
 *
 * Stop signals are the supervisor's to handle: a Ctrl-C reaches the whole
 * process group, and a thread that stopped on its own would not tell its
 * supervisor in the order it expects. When the supervisor dies (kill -9), the
 * IPC channel closes and the thread ends at once, as if killed with it: its
 * open transaction is fenced by the thread of the same id in the restarted
 * process.
 */
import { createLogger } from '../common/logger.js';
import { createKafkaTransport, kafkaConfigFromEnv } from '../transports/kafka/index.js';
import { createPipelineApp } from './app.js';
import { type FromThread, type StreamThreadData, type ToThread, toWire } from './stream-thread-protocol.js';

/** Exit code of a thread whose supervisor went away (EX_SOFTWARE). */
const ORPHANED_EXIT = 70;

const send = (m: FromThread): Promise<void> =>
  new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send!(m, undefined, {}, () => resolve());
  });

let finished = false;
process.on('disconnect', () => {
  if (!finished) process.exit(ORPHANED_EXIT);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => undefined);

const data = await new Promise<StreamThreadData>((resolve) => {
  const onInit = (m: ToThread) => {
    if (m.type !== 'init') return;
    process.off('message', onInit);
    resolve(m.data);
  };
  process.on('message', onInit);
});

const logger = createLogger('aura', data.logLevel).child({ thread: data.thread });
const env = data.env as NodeJS.ProcessEnv;
let stopping = false;
let readyAt = 0;

/** The thread's life; its end is the last message the supervisor gets. */
async function run(): Promise<FromThread> {
  // A bad setting: a failure like any other.
  let app: ReturnType<typeof createPipelineApp>;
  let transport: ReturnType<typeof createKafkaTransport>;
  try {
    const { pipeline } = data;
    transport = createKafkaTransport(kafkaConfigFromEnv(env, pipeline.kafka));
    app = createPipelineApp({
      pipeline,
      transport,
      logger,
      stateDir: data.stateDir,
      instanceId: data.instanceId,
      groupInstanceId: data.groupInstanceId,
      topics: data.topics,
      resources: { log: (msg) => logger.info(msg) },
    });
  } catch (err) {
    return { type: 'failed', error: toWire(err) };
  }
  let go!: () => void;
  const mayStart = new Promise<void>((resolve) => (go = resolve));
  process.on('message', (m: ToThread) => {
    if (m.type === 'go') go();
    if (m.type !== 'stop' || stopping) return;
    stopping = true;
    go();
    void app.stop();
  });
  const close = async () => {
    await app.resources.close().catch(() => undefined);
    await transport.close().catch(() => undefined);
  };
  try {
    await app.awaitBroker();
    readyAt = performance.now();
    await send({ type: 'ready' });
    await mayStart;
    if (stopping) return await close().then(() => ({ type: 'stopped' }) as const);
    await app.start();
  } catch (err) {
    await close();
    // A stop during the wait for the broker ends it with an error: that is a stop, not a failure.
    return stopping ? { type: 'stopped' } : { type: 'failed', error: toWire(err) };
  }
  // Since this process started: its share of a start-up (loading, broker, joining the group).
  logger.info({ readyMs: Math.round(readyAt), startedMs: Math.round(performance.now()) }, 'stream thread running');
  await send({ type: 'started', tasks: [...app.engine.tasks.keys()] });
  try {
    await app.engine.done;
    await close();
    return { type: 'stopped' };
  } catch (err) {
    logger.error({ err: toWire(err).message }, 'stream thread failed');
    await close();
    return { type: 'failed', error: toWire(err) };
  }
}

const last = await run();
finished = true;
await send(last);
process.exit(last.type === 'stopped' ? 0 : 1);
