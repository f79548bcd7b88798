/**
 * docs/quickstart-kafka.md on a real broker, as a newcomer would run it: the
 * page's commands in order, in one shell, with `KAFKA_BROKERS` pointing at the
 * suite's broker (the page's "start Kafka" step) — validate, describe, topics
 * plan/apply, `aura serve` in the background, a development token, a first
 * mood entry, the aggregated context, the Guardian's advice, the dead-letter
 * dry run, the AsyncAPI document. Only the Docker commands are left out (the
 * stack test checks them). What the page says to look at in Kafka UI is read
 * from the topics instead. A copy of pipeline.yaml with unique app and topic
 * names keeps runs apart; the gateway's port is a free one.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { brokers, kafkaTransport, pipelineCopy, ROOT, readTopic, tempDir, uniquePrefix } from '../testing/support/kafka-harness.js';
import { type QuickstartStep, quickstartSteps } from '../testing/support/quickstart-commands.js';
import { loadPipeline } from '../topology/compile.js';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The page as one bash script: each step's output after a `@@step N` marker; `serve` in the background until /readyz answers. */
function script(steps: QuickstartStep[], port: number): string {
  const url = `http://127.0.0.1:${port}`;
  const lines = ['set -euo pipefail', 'SERVE_PID=', 'trap \'[ -n "$SERVE_PID" ] && kill $SERVE_PID 2>/dev/null || true\' EXIT'];
  steps.forEach((s, i) => {
    const text = s.text.replace(/http:\/\/localhost:8080/g, url);
    lines.push(`echo "@@step ${i}"`);
    if (s.kind === 'docker' || s.kind === 'broker') lines.push(`: not run here: ${JSON.stringify(s.text)}`);
    else if (s.kind === 'broker-env') lines.push(`export KAFKA_BROKERS=${brokers()}`);
    else if (s.kind === 'serve') {
      lines.push(`${text} > serve.log 2>&1 &`, 'SERVE_PID=$!');
      lines.push(`for i in $(seq 1 900); do curl -sf ${url}/readyz >/dev/null && break; kill -0 $SERVE_PID || { cat serve.log; exit 1; }; sleep 0.2; done`);
      lines.push(`curl -sf ${url}/readyz >/dev/null || { echo "not ready"; cat serve.log; exit 1; }`);
    } else lines.push(text, 'echo');
  });
  lines.push('echo "@@end"', 'kill -TERM $SERVE_PID', 'code=0; wait $SERVE_PID || code=$?', 'SERVE_PID=', 'echo "serve exited with $code"');
  return lines.join('\n');
}

describe('docs/quickstart-kafka.md on Kafka', () => {
  const prefix = uniquePrefix('quickstart');
  const dir = tempDir('aura-quickstart-kafka');
  pipelineCopy(path.join(ROOT, 'pipeline.yaml'), dir, [
    ['app: aura360', `app: ${prefix}`],
    ['name: aura360.', `name: ${prefix}.`],
  ]);
  // The page runs `node bin/aura.js ... pipeline.yaml` from the checkout: same layout here.
  fs.symlinkSync(path.join(ROOT, 'bin'), path.join(dir, 'bin'));
  fs.symlinkSync(path.join(ROOT, 'schemas'), path.join(dir, 'schemas'));
  const transport = kafkaTransport('aura-quickstart-test');
  afterAll(async () => {
    await transport.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('works as written: topics, serve, token, first mood entry, context, advice, dead letters, AsyncAPI', async () => {
    const steps = quickstartSteps(ROOT);
    const port = await freePort();
    const env = {
      ...process.env,
      AURA_PORT: String(port),
      AURA_STATE_DIR: path.join(dir, 'state'),
      AURA_VECTOR_DB: path.join(dir, 'vectors.db'),
      AURA_LOG_LEVEL: 'info',
      KAFKA_BROKERS: '',
    };
    const child = spawn('bash', ['-c', script(steps, port)], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (out += String(d)));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const serveLog = fs.existsSync(path.join(dir, 'serve.log')) ? fs.readFileSync(path.join(dir, 'serve.log'), 'utf8') : '';
    expect(code, `${out}\n--- serve.log ---\n${serveLog}`).toBe(0);

    const output = (re: RegExp): string => {
      const i = steps.findIndex((s) => re.test(s.text));
      expect(i, String(re)).toBeGreaterThanOrEqual(0);
      return out.split(`@@step ${i}\n`)[1]!.split(/@@step \d+\n|@@end/)[0]!;
    };
    const topics = Object.keys(loadPipeline(path.join(dir, 'pipeline.yaml'), { env: {} }).topics).length;
    expect(output(/topics apply/)).toContain(`applied: ${topics} created`);
    expect(output(/--exit-code/)).toContain(`0 to create, 0 to grow, ${topics} up to date`);
    const published = JSON.parse(output(/mood-entries/)) as { id: string; type: string; user_id: string };
    expect(published).toMatchObject({ type: 'user.mood.created', user_id: 'ana' });
    const context = JSON.parse(output(/\/context/)) as { user_id: string; window: { version: number; events: Array<{ id: string }> } };
    expect(context.user_id).toBe('ana');
    expect(context.window.version).toBe(1);
    expect(context.window.events.map((e) => e.id)).toEqual([published.id]);
    const advice = JSON.parse(output(/guardian\/advice/)) as { status: string; advice: string };
    expect(advice.status).toBe('ok');
    expect(advice.advice.length).toBeGreaterThan(20);
    expect(output(/dlq replay/)).toContain(`no dead letters to read in ${prefix}.dead-letters`);
    expect(output(/--format asyncapi/)).toContain(`address: ${prefix}.user.events`);
    expect(out).toContain('serve exited with 0');

    // What the page says to watch in Kafka UI: the event, keyed by user, and what the pipeline made of it.
    const events = await readTopic(transport, `${prefix}.user.events`, 6);
    expect(events.map((r) => [r.key, JSON.parse(r.value!.toString()).id, r.headers['aura.event.id']])).toEqual([['ana', published.id, published.id]]);
    const aggregated = await readTopic(transport, `${prefix}.context.aggregated`, 6);
    expect(aggregated.map((r) => r.key)).toEqual(['ana']);
    expect((await readTopic(transport, `${prefix}.vectordb.ingest`, 6)).map((r) => r.key)).toEqual(['ana']);
    expect((await readTopic(transport, `${prefix}.guardian.responses`, 6)).length).toBe(1);
  }, 240_000);
});
