/**
 * The server's CPU per POST with hono's bodyLimit against the gateway's limitBody
 * (gateway/middleware/body-limit.ts), both in this process on their own port, hit
 * alternately by a client in a child process (keep-alive, 16 in flight). Prints
 * the server's CPU µs per request of each, per round: a figure the neighbours'
 * load distorts less than a latency.
 *
 *   node --import tsx bench/load/body-limit-cpu.ts [--requests 4000] [--rounds 4]
 */
import { fork } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { limitBody } from '../../gateway/middleware/body-limit.js';

const { values } = parseArgs({
  options: { requests: { type: 'string', default: '4000' }, rounds: { type: 'string', default: '4' }, client: { type: 'string' } },
});

if (values.client) {
  // The client: `requests` POSTs of a mood entry's size, 16 at a time, then exits.
  const url = values.client;
  const body = JSON.stringify({ score: 7, energy: 4, note: 'calm walk after lunch' });
  let left = Number(values.requests);
  const one = async (): Promise<void> => {
    while (left-- > 0) await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } }).then((r) => r.arrayBuffer());
  };
  await Promise.all(Array.from({ length: 16 }, one));
  process.exit(0);
}

function server(limit: 'hono' | 'node'): Promise<{ url: string; server: Server }> {
  const app = new Hono();
  const onError = (c: import('hono').Context) => c.json({ error: 'too large' }, 413);
  app.use('*', limit === 'hono' ? bodyLimit({ maxSize: 65536, onError }) : limitBody({ maxSize: 65536, onError }));
  app.post('/p', async (c) => c.json({ ok: (JSON.parse(await c.req.text()) as { score: number }).score }, 201));
  return new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
      resolve({ url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/p`, server: s as Server }),
    );
  });
}

function runClient(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = fork(import.meta.filename, ['--client', url, '--requests', values.requests!], { execArgv: ['--import', 'tsx'] });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`client exited with ${code}`))));
  });
}

const servers = { hono: await server('hono'), node: await server('node') };
const n = Number(values.requests);
for (let round = 1; round <= Number(values.rounds); round++) {
  const order = round % 2 ? (['hono', 'node'] as const) : (['node', 'hono'] as const);
  const line: string[] = [];
  for (const which of order) {
    const before = process.cpuUsage();
    await runClient(servers[which].url);
    const used = process.cpuUsage(before);
    line.push(`${which} ${((used.user + used.system) / n).toFixed(1)} µs/request`);
  }
  process.stdout.write(`round ${round}: ${line.join(', ')}\n`);
}
for (const s of Object.values(servers)) s.server.close();
