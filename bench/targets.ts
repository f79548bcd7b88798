/**
 * The throughput targets of issue 11, printed next to each figure. A target
 * holds for the size it names; a smaller run (a smoke test) says so.
 */
import { fmt } from './common.js';

export type TargetId = 'kafka-stats' | 'kafka-context' | 'embedded-stats' | 'embedded-context' | 'pipeline-minilm' | 'restore';

interface Target {
  /** `at-least`: the figure must reach `value`; `below`: stay under it. */
  kind: 'at-least' | 'below';
  value: number;
  unit: string;
  /** The size the target is stated for (compared with the run's, to flag smaller runs). */
  size: number;
  sizeText: string;
}

export const TARGETS: Record<TargetId, Target> = {
  'kafka-stats': { kind: 'at-least', value: 1.2, unit: '× Kafka Streams', size: 1_000_000, sizeText: '1,000,000 events, 10,000 users, 6 partitions' },
  'kafka-context': { kind: 'at-least', value: 1.2, unit: '× Kafka Streams', size: 200_000, sizeText: '200,000 events, 1,000 users, 6 partitions' },
  'embedded-stats': { kind: 'at-least', value: 200_000, unit: 'events/s', size: 1_000_000, sizeText: '1,000,000 events, 10,000 users, 1 partition' },
  'embedded-context': { kind: 'at-least', value: 50_000, unit: 'events/s', size: 200_000, sizeText: '200,000 events, 1,000 users, 1 partition' },
  'pipeline-minilm': { kind: 'at-least', value: 1_000, unit: 'events/s', size: 20_000, sizeText: '20,000 events over 1,000 users' },
  restore: { kind: 'below', value: 10, unit: 's', size: 1_000_000, sizeText: '1,000,000 keys' },
};

export interface TargetCheck {
  target: string;
  met: boolean;
  /** False when the run was smaller than the size the target is stated for. */
  fullSize: boolean;
}

export function checkTarget(id: TargetId, figure: number, size: number): TargetCheck {
  const t = TARGETS[id];
  const met = t.kind === 'at-least' ? figure >= t.value : figure < t.value;
  const value = t.value < 10 && t.kind === 'at-least' ? t.value.toFixed(1) : fmt(t.value);
  return { target: `${t.kind === 'at-least' ? '≥' : '<'} ${value} ${t.unit}`, met, fullSize: size >= t.size };
}

/** "target ≥ 200,000 events/s: met" (+ a note when the run was smaller than the target's size). */
export function describeTarget(id: TargetId, c: TargetCheck): string {
  const note = c.fullSize ? '' : ` (the target is for ${TARGETS[id].sizeText}; this run was smaller)`;
  return `target ${c.target}: ${c.met ? 'met' : 'NOT met'}${note}`;
}
