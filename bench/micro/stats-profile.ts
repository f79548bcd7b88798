/**
 * A CPU profile of one aggregation workload on the embedded log, of the
 * processing only (from start() until the input is committed; not the writing
 * of the input nor the check of the output, which `node --cpu-prof` of
 * bench/cpu-per-event.ts also records). Writes a .cpuprofile and prints the
 * top self-time entries by function and by file.
 *
 *   node --import tsx bench/micro/stats-profile.ts stats [events] [users] [out.cpuprofile]
 *   AURA_PROFILE_ALLOC=1 node --import tsx bench/micro/stats-profile.ts stats   (bytes allocated, by function)
 *
 * Frames of tsx-compiled files all report line 1; to name lines, bundle first (into bench/,
 * where the workloads find their YAML; delete the bundle after):
 *   npx esbuild bench/micro/stats-profile.ts --bundle --platform=node --format=esm \
 *     --packages=external --outfile=bench/.stats-profile.mjs && node bench/.stats-profile.mjs stats
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { loadPipeline } from '../../topology/compile.js';
import { createEmbeddedTransport } from '../../transports/embedded/index.js';
import { fmt, partitionsOf, readLastByKey, waitForGroup } from '../common.js';
import { appOnLoadedInput, tempDir } from '../embedded.js';
import { WORKLOADS, type WorkloadName } from '../workloads.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface AllocNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: AllocNode[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const name = (process.argv[2] ?? 'stats') as WorkloadName;
const w = WORKLOADS[name];
if (!w) throw new Error(`unknown workload "${name}" (stats or context)`);
const events = Number(process.argv[3] ?? w.defaults.events);
const users = Number(process.argv[4] ?? w.defaults.users);
const out = process.argv[5] ?? `/tmp/${name}-${Date.now()}.cpuprofile`;

const dir = tempDir();
const env = { ...process.env, AURA_STATE_DIR: path.join(dir, 'state'), AURA_BENCH_PARTITIONS: '1', AURA_BENCH_PROCESSING: 'exactly_once' };
const pipeline = loadPipeline(w.yaml, { env });
const transport = createEmbeddedTransport({ path: path.join(dir, 'log.db') });
const session = new Session();
session.connect();
try {
  const { app, input, data } = await appOnLoadedInput(w, pipeline, transport, path.join(dir, 'state'), events, users);
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await session.post('Profiler.start');
  // Sampling of allocations, kept or not (what makes the garbage collector run): one sample per 32 KiB.
  const alloc = process.env.AURA_PROFILE_ALLOC === '1';
  if (alloc)
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 32768,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  await app.start();
  await waitForGroup(transport, pipeline.app, partitionsOf(input.name, input.partitions), events, started, {});
  const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile };
  const allocations = alloc ? ((await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: AllocNode } }).profile : null;
  const cpu = process.cpuUsage(cpu0);
  const wall = (performance.now() - started) / 1000;
  await app.stop();
  const problems = data.check(await readLastByKey(transport, pipeline.topics[w.output]!.name, 1));
  fs.writeFileSync(out, JSON.stringify(profile));
  const seconds = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(
    `${w.label}: ${fmt(events)} events: ${((seconds * 1e6) / events).toFixed(2)} µs CPU per event (${seconds.toFixed(2)} s CPU, ${wall.toFixed(2)} s wall)` +
      `${problems.length === 0 ? '; end state verified' : `; END STATE WRONG: ${problems.slice(0, 3).join('; ')}`}\nprofile: ${out}\n`,
  );
  summarise(profile);
  if (allocations) summariseAllocations(allocations.head, events);
  if (problems.length > 0) process.exitCode = 1;
} finally {
  session.disconnect();
  await transport.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Self time by function (name, file, line) and by file, as shares of the samples (idle included). */
function summarise(profile: Profile): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const frame = byId.get(profile.samples[i]!)!.callFrame;
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const file = frame.url.replace(/^file:\/\//, '').replace(`${process.cwd()}/`, '');
    const fn = `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + dt);
    byFile.set(file || frame.functionName, (byFile.get(file || frame.functionName) ?? 0) + dt);
  }
  const print = (title: string, m: Map<string, number>, n: number) => {
    process.stdout.write(`${title}\n`);
    for (const [k, t] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) {
      process.stdout.write(`${((100 * t) / total).toFixed(1).padStart(5)} % ${(t / 1000).toFixed(0).padStart(6)} ms  ${k}\n`);
    }
  };
  print(`self time, ${(total / 1000).toFixed(0)} ms sampled, by function:`, byFn, 45);
  print('by file:', byFile, 25);
}

/** Bytes allocated by function (the allocating frame), per event. */
function summariseAllocations(head: AllocNode, events: number): void {
  const byFn = new Map<string, number>();
  let total = 0;
  const walk = (n: AllocNode) => {
    const f = n.callFrame;
    const k = `${f.functionName || '(anonymous)'} ${f.url.replace(/^file:\/\//, '').replace(`${process.cwd()}/`, '')}:${f.lineNumber + 1}`;
    byFn.set(k, (byFn.get(k) ?? 0) + n.selfSize);
    total += n.selfSize;
    for (const c of n.children) walk(c);
  };
  walk(head);
  process.stdout.write(`allocated ${(total / events).toFixed(0)} bytes per event (sampled), by function:\n`);
  for (const [k, b] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
    process.stdout.write(`${((100 * b) / total).toFixed(1).padStart(5)} % ${(b / events).toFixed(0).padStart(6)} B/event  ${k}\n`);
  }
}
