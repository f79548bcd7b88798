/**
 * A small PromQL scanner for the tests of ops/ (alert rules, the Grafana
 * dashboard): enough to find metric names, label names and unbalanced
 * brackets, without promtool.
 */
const KEYWORDS = new Set([
  'sum',
  'max',
  'min',
  'avg',
  'count',
  'by',
  'without',
  'rate',
  'irate',
  'increase',
  'delta',
  'deriv',
  'and',
  'or',
  'unless',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'histogram_quantile',
  'topk',
  'bottomk',
  'abs',
  'clamp_min',
  'absent',
  'label_values',
]);

export interface Scanned {
  metrics: string[];
  labels: string[];
  /** What is wrong with the brackets or ranges; empty when nothing is. */
  problems: string[];
}

export function scanPromql(expr: string): Scanned {
  const text = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const problems: string[] = [];
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (const ch of text) {
    if ('([{'.includes(ch)) stack.push(ch);
    else if (ch in pairs && stack.pop() !== pairs[ch]) problems.push(`unbalanced "${ch}"`);
  }
  if (stack.length > 0) problems.push(`unclosed ${stack.join('')}`);
  for (const range of text.matchAll(/\[([^\]]*)\]/g)) if (!/^\d+[smhdwy]$/.test(range[1]!)) problems.push(`range [${range[1]}]`);
  const labels = [...text.matchAll(/\b(?:by|without|on|ignoring)\s*\(([^)]*)\)/g)].flatMap((m) =>
    m[1]!
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean),
  );
  labels.push(...[...text.matchAll(/\{([^}]*)\}/g)].flatMap((m) => [...m[1]!.matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)].map((x) => x[1]!)));
  const rest = text
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b\d+(\.\d+)?\b/g, ' ');
  const metrics = [...rest.matchAll(/[a-zA-Z_:][\w:]*/g)].map((m) => m[0]).filter((w) => !KEYWORDS.has(w));
  return { metrics, labels, problems };
}

/** Metric name → label names in a Prometheus text exposition. Histograms also answer to _bucket, _sum and _count. */
export function exposedMetrics(body: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const line of body.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      const names = type[2] === 'histogram' || type[2] === 'summary' ? ['', '_bucket', '_sum', '_count'].map((s) => type[1] + s) : [type[1]!];
      for (const n of names) out.set(n, new Set());
      continue;
    }
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? /.exec(line);
    if (sample && out.has(sample[1]!)) for (const m of (sample[2] ?? '').matchAll(/(\w+)="/g)) out.get(sample[1]!)!.add(m[1]!);
  }
  return out;
}
