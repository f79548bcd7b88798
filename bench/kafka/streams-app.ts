/**
 * The Kafka Streams yardstick (bench/kafka-streams): built once with Maven,
 * run as a child JVM per configuration (ContextWindowBench or StatsBench). Its stdout carries "STATE <state>"
 * lines; stderr (warnings and errors) is passed through.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const PROJECT = path.resolve(import.meta.dirname, '../kafka-streams');

export type Guarantee = 'exactly_once_v2' | 'at_least_once';

export function buildStreamsApp(log: (line: string) => void): string {
  const t0 = Date.now();
  // Maven's output (even with -q: colour resets) is shown only when the build fails.
  const build = spawnSync('mvn', ['-q', '-B', '-f', path.join(PROJECT, 'pom.xml'), 'package'], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`mvn package failed (status ${build.status}):\n${build.stdout}${build.stderr}`);
  log(`# Kafka Streams app built in ${((Date.now() - t0) / 1000).toFixed(1)} s (mvn -q -f bench/kafka-streams/pom.xml package)`);
  const deps = fs.readFileSync(path.join(PROJECT, 'target/classpath.txt'), 'utf8').trim();
  return `${path.join(PROJECT, 'target/classes')}${path.delimiter}${deps}`;
}

export interface StreamsAppOptions {
  classpath: string;
  brokers: string;
  input: string;
  output: string;
  applicationId: string;
  stateDir: string;
  guarantee: Guarantee;
  cacheBytes: number;
  /** The app to run (default the context window, dev.aura360.bench.ContextWindowBench). */
  mainClass?: string;
}

export class StreamsApp {
  state = 'CREATED';
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  constructor(o: StreamsAppOptions) {
    const args = [
      '-Xms256m',
      '-Xmx768m',
      '-cp',
      o.classpath,
      o.mainClass ?? 'dev.aura360.bench.ContextWindowBench',
      o.brokers,
      o.input,
      o.output,
      o.applicationId,
      o.stateDir,
      o.guarantee,
      String(o.cacheBytes),
    ];
    this.child = spawn('java', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let buffered = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line.startsWith('STATE ')) this.state = line.slice(6);
      }
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve((this.exitCode = code))));
  }

  /** Throws when the JVM is gone or Kafka Streams reports ERROR. */
  check(): void {
    if (this.exitCode !== undefined) throw new Error(`Kafka Streams exited with code ${this.exitCode}`);
    if (this.state === 'ERROR') throw new Error('Kafka Streams is in state ERROR');
  }

  /** SIGTERM runs its shutdown hook (KafkaStreams.close); SIGKILL if it takes more than 40 s. */
  async stop(): Promise<void> {
    if (this.exitCode !== undefined) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 40_000);
    await this.exited;
    clearTimeout(timer);
  }
}
