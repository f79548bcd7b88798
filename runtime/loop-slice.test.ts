/**
 * The loop's shared slice (processing-slice.ts, takeTurn): several cooperative workers of one
 * process, each taking a turn before every unit of work, together do at most about one
 * PROCESSING_SLICE_MS of work between two I/O callbacks — not one slice each, which is what a
 * per-worker clock gives when they all resume in the same check phase. Counted in units of work
 * between two callbacks of a real socket ping-pong, so a busy machine (which slows the spinning
 * down) can only lower the count.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PROCESSING_SLICE_MS, takeTurn, yieldToLoop } from './processing-slice.js';

const UNIT_MS = 1;
const WORKERS = 6;
const UNITS = 60;

function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // synchronous work
  }
}

interface PingPong {
  /** Units of work done since the last I/O callback, per callback. */
  counts: number[];
  unit(): void;
  close(): void;
}

async function pingPong(): Promise<PingPong> {
  const counts: number[] = [];
  let units = 0;
  // Both ends are in this process: a round trip is two I/O callbacks, each counted.
  const seen = () => {
    counts.push(units);
    units = 0;
  };
  const server = net.createServer((s) => {
    s.on('error', () => undefined);
    s.on('data', (d) => {
      seen();
      s.write(d);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise<void>((r) => client.once('connect', r));
  client.on('error', () => undefined);
  client.on('data', () => {
    seen();
    client.write('x');
  });
  client.write('x');
  return {
    counts,
    unit: () => units++,
    close: () => {
      client.destroy();
      server.close();
    },
  };
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function worker(io: PingPong, turn: () => Promise<void>): Promise<void> {
  for (let i = 0; i < UNITS; i++) {
    await turn();
    spin(UNIT_MS);
    io.unit();
  }
}

describe('the loop shared slice', () => {
  let io: PingPong | undefined;
  afterEach(() => io?.close());

  it('bounds the work of all workers between two I/O callbacks to about one slice', async () => {
    io = await pingPong();
    await Promise.all(Array.from({ length: WORKERS }, () => worker(io!, takeTurn)));
    const slice = PROCESSING_SLICE_MS / UNIT_MS;
    // Typically one slice of units (plus the one that crosses the line); now and then two stretches
    // pass without an I/O callback between them (the echo was not back yet). Far below WORKERS × a slice.
    expect(median(io.counts)).toBeLessThanOrEqual(slice + 2);
    expect(Math.max(...io.counts)).toBeLessThanOrEqual(3 * (slice + 1));
  }, 30_000);

  it('(the same workers with a clock of their own each do a slice each in one stretch)', async () => {
    io = await pingPong();
    const own = () => {
      let start = performance.now();
      return async () => {
        if (performance.now() - start >= PROCESSING_SLICE_MS) {
          await yieldToLoop();
          start = performance.now();
        }
      };
    };
    await Promise.all(Array.from({ length: WORKERS }, () => worker(io!, own())));
    // What the shared slice prevents: typically several slices' work between two I/O callbacks.
    expect(median(io.counts)).toBeGreaterThan(2 * (PROCESSING_SLICE_MS / UNIT_MS + 1));
  }, 30_000);
});
