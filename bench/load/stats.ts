/** Percentiles of latency samples (nearest rank) and their one-line summary. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export interface Summary {
  name: string;
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(name: string, samples: number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  return { name, count: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s[s.length - 1] ?? Number.NaN };
}

export function formatTable(rows: Summary[]): string {
  const ms = (x: number) => (Number.isNaN(x) ? '-' : x < 10 ? x.toFixed(2) : x.toFixed(1));
  const width = Math.max(34, ...rows.map((r) => r.name.length));
  const head = `${'metric'.padEnd(width)} ${'count'.padStart(7)} ${'p50 ms'.padStart(9)} ${'p95 ms'.padStart(9)} ${'p99 ms'.padStart(9)} ${'max ms'.padStart(9)}`;
  const lines = rows.map(
    (r) =>
      `${r.name.padEnd(width)} ${String(r.count).padStart(7)} ${ms(r.p50).padStart(9)} ${ms(r.p95).padStart(9)} ${ms(r.p99).padStart(9)} ${ms(r.max).padStart(9)}`,
  );
  return [head, ...lines].join('\n');
}
