/**
 * `aura serve --watch` as a process, on the embedded log, with real files and
 * real sockets: a WebSocket client of /topology/live stays connected while a
 * saved pipeline adds a processor, and then sees that processor's counts
 * grow from events published through the gateway; an invalid save is
 * reported with its file:line:col while the old pipeline keeps processing; a
 * breaking save is refused with the plan's lines; the same for the event
 * schemas (a syntax error at its spot, a tightened field refused, a loosened
 * one applied); a changed filter condition is applied in place (only its
 * sub-topology's tasks restart) and shows in the live numbers of the same
 * socket. Saves are written the way
 * atomic-save editors write them (a temporary file renamed over the original).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { contextWindowPipeline } from '../testing/support/small-pipeline.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-watch-'));
const file = path.join(dir, 'pipeline.yaml');
fs.cpSync(path.join(ROOT, 'schemas/events'), path.join(dir, 'schemas/events'), { recursive: true });

const BASE = contextWindowPipeline('watch-test', 'watch');
const WITH_FILTER = BASE.replace(
  '  context_aggregated: { name: watch.context.aggregated }\n',
  '  context_aggregated: { name: watch.context.aggregated }\n  low_mood_events: { name: watch.low.moods }\n',
).concat(`  low_moods:
    type: filter
    from: user_events
    to: low_mood_events
    config: { condition: "data.score <= 3" }
`);
/** An unknown topic in the new processor's `from:`. */
const INVALID = WITH_FILTER.replace('from: user_events\n    to: low_mood_events', 'from: no_such_topic\n    to: low_mood_events');
/** The partition count of a stateful sub-topology's input changes: its state would be mis-partitioned (breaking). */
const BREAKING = WITH_FILTER.replace('schema: user-event }', 'schema: user-event, partitions: 4 }');

/** Saves like an editor with atomic save: write a temporary file, rename it over the original. */
function save(content: string): void {
  const tmp = path.join(dir, `.pipeline.yaml.${process.pid}.tmp`);
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

let child: ChildProcess | undefined;
let out = '';
let err = '';
afterAll(() => {
  if (process.env.SHOW_WATCH) console.log(out, err);
  child?.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the process wrote:\n${out.slice(-3000)}\n${err.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('aura serve --watch', () => {
  it('applies a safe change under a connected WebSocket, reports an invalid one with its location, refuses a breaking one', async () => {
    fs.writeFileSync(file, BASE);
    const env = {
      ...process.env,
      AURA_STATE_DIR: path.join(dir, 'state'),
      AURA_LOG_LEVEL: 'info',
      KAFKA_BROKERS: '',
      AURA_JWT_SECRET: '',
      AURA_JWT_PUBLIC_KEY: '',
    };
    child = spawn(process.execPath, [path.join(ROOT, 'bin/aura.js'), 'serve', file, '--port', '0', '--watch'], {
      env,
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (out += String(d)));
    child.stderr!.on('data', (d) => (err += String(d)));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
    const url = await until('the gateway', () => /"url":"(http:\/\/[^"]+)"/.exec(out)?.[1]);
    expect(out).toContain('--watch: watching');

    const messages: Array<{ nodes: Record<string, { processed: number }> }> = [];
    const ws = new WebSocket(`${url.replace('http', 'ws')}/topology/live`);
    let closed = false;
    ws.on('message', (data) => messages.push(JSON.parse(String(data))));
    ws.on('close', () => (closed = true));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    await until('a first snapshot', () => messages.length > 0);
    expect(messages.at(-1)!.nodes.low_moods).toBeUndefined();

    const { token } = (await (
      await fetch(`${url}/api/dev/token`, { method: 'POST', body: JSON.stringify({ user_id: 'me' }), headers: { 'content-type': 'application/json' } })
    ).json()) as { token: string };
    const publish = async (score: number) => {
      const res = await fetch(`${url}/api/holistic/mood-entries/`, {
        method: 'POST',
        body: JSON.stringify({ score }),
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      });
      expect(res.status).toBe(201);
    };
    const lowMoods = () => messages.at(-1)?.nodes.low_moods?.processed ?? 0;

    // A safe change: a new processor. Two saves in a burst are one reload.
    save(WITH_FILTER.replace('<= 3', '<= 2'));
    save(WITH_FILTER);
    await until('the reload', () => out.includes('--watch: applied'));
    expect(out.match(/--watch: applied/g)).toHaveLength(1);
    expect(out).toContain('+ processor low_moods at');
    // Applied in place: the new processor reads user_events, so it joins that sub-topology, whose tasks restart.
    expect(out).toMatch(/--watch: applied in \d+ ms: in place; tasks restarted: 0_\*; kept running: none;/);
    await publish(2);
    await publish(8);
    // The same socket sees the new processor at work (both events pass through it; one is kept).
    await until('the new processor in the live numbers', () => lowMoods() >= 2);
    expect(closed).toBe(false);
    expect(ws.readyState).toBe(WebSocket.OPEN);

    // An invalid save: reported with its location; the running pipeline keeps processing.
    const errBefore = err.length;
    save(INVALID);
    await until('the report of the invalid save', () => err.slice(errBefore).includes('the running pipeline keeps going'));
    const report = err.slice(errBefore);
    expect(report).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+ error \\w+ .*no_such_topic`));
    await publish(1);
    await until('the old pipeline still processing', () => lowMoods() >= 3);

    // A breaking save: refused with the plan's breaking lines; the running pipeline keeps going.
    const errBeforeBreaking = err.length;
    save(BREAKING);
    await until('the refusal', () => err.slice(errBeforeBreaking).includes('refusing to apply'));
    const refusal = err.slice(errBeforeBreaking);
    expect(refusal).toMatch(/^~ topic user_events at .*pipeline\.yaml:\d+:\d+/m);
    expect(refusal).toMatch(/ {4}! [A-Z_]+/);
    await publish(3);
    await until('the pipeline still processing after the refusal', () => lowMoods() >= 4);
    expect(out.match(/--watch: applied/g)).toHaveLength(1);
    expect(closed).toBe(false);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    // The schemas are watched too. Back to the running pipeline first: a save that changes nothing applies nothing.
    const outBefore = out.length;
    save(WITH_FILTER);
    await until('the no-change save', () => out.slice(outBefore).includes('nothing to apply'));
    const schema = path.join(dir, 'schemas/events/mood-entry.schema.json');
    const original = fs.readFileSync(schema, 'utf8');
    const saveSchema = (text: string) => {
      fs.writeFileSync(`${schema}.tmp`, text);
      fs.renameSync(`${schema}.tmp`, schema);
    };
    // Not JSON: the spot in the schema file.
    const errBeforeSyntax = err.length;
    saveSchema(original.replace('"maxLength": 2000,', '"maxLength": 2000,,'));
    await until('the schema syntax error', () => err.slice(errBeforeSyntax).includes('the running pipeline keeps going'));
    const line = original.split('\n').findIndex((l) => l.includes('"maxLength": 2000')) + 1;
    expect(err.slice(errBeforeSyntax)).toContain(`${schema}:${line}:`);
    expect(err.slice(errBeforeSyntax)).toContain('error SCHEMA_SYNTAX');
    // Tighter for what deployed apps send: refused at the keyword's line.
    const errBeforeStricter = err.length;
    saveSchema(original.replace('"maxLength": 2000', '"maxLength": 500'));
    await until('the schema refusal', () => err.slice(errBeforeStricter).includes('refusing to apply'));
    expect(err.slice(errBeforeStricter)).toMatch(new RegExp(`! SCHEMA_STRICTER at .*mood-entry\\.schema\\.json:${line}:\\d+`));
    // Looser: safe, applied under the same socket.
    saveSchema(original.replace('"maxLength": 2000', '"maxLength": 4000'));
    await until('the schema change applied', () => out.match(/--watch: applied/g)?.length === 2);
    expect(out).toContain('~ schema mood-entry at');
    await publish(2);
    await until('the pipeline processing after the schema change', () => lowMoods() >= 5);
    expect(closed).toBe(false);

    // A processor's config changed: in place, and the same socket sees the new condition at work
    // (a score of 8 did not reach the filter's sink before; it does now).
    const lowSink = () => messages.at(-1)?.nodes['low_moods-to-low_mood_events']?.processed ?? 0;
    await publish(8);
    await until('the filter having seen the 8', () => lowMoods() >= 6);
    const sunkBefore = lowSink();
    save(WITH_FILTER.replace('<= 3', '<= 9'));
    await until('the config change applied', () => out.match(/--watch: applied/g)?.length === 3);
    expect(out.slice(out.lastIndexOf('--watch: applied'))).toMatch(/^--watch: applied in \d+ ms: in place; tasks restarted: 0_\*/);
    await publish(8);
    await until('the new condition in the live numbers', () => lowSink() >= sunkBefore + 1);
    expect(lowMoods()).toBe(7);
    expect(closed).toBe(false);

    ws.close();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 90_000);
});
