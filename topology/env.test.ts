import { describe, expect, it } from 'vitest';
import { interpolateEnv } from './env.js';
import { SourceDoc } from './source-doc.js';

function run(yaml: string, env: Record<string, string | undefined>) {
  const src = new SourceDoc(yaml, 't.yaml');
  const missing = interpolateEnv(src.doc, env);
  return { data: src.toData() as Record<string, unknown>, missing: missing.map((m) => ({ name: m.name, ...src.position(m.offset) })) };
}

describe('interpolateEnv', () => {
  it('replaces ${VAR} and ${VAR:-default} inside strings', () => {
    const { data, missing } = run('a: ${HOST}:${PORT:-9092}\nb: pre-${X:-x}-post\n', { HOST: 'kafka' });
    expect(data).toEqual({ a: 'kafka:9092', b: 'pre-x-post' });
    expect(missing).toEqual([]);
  });

  it('uses the default when the variable is empty, like the shell', () => {
    expect(run('a: ${A:-fallback}\n', { A: '' }).data).toEqual({ a: 'fallback' });
    expect(run('a: "${A}"\n', { A: '' }).data).toEqual({ a: '' });
  });

  it('reads an unquoted interpolated scalar the way YAML would read the text', () => {
    const { data } = run('n: ${N}\nf: ${F}\nb: ${B}\ns: ${S}\n', { N: '6', F: '0.5', B: 'true', S: '6s' });
    expect(data).toEqual({ n: 6, f: 0.5, b: true, s: '6s' });
  });

  it('keeps quoted scalars as strings', () => {
    expect(run('n: "${N}"\nm: \'${N}\'\n', { N: '6' }).data).toEqual({ n: '6', m: '6' });
  });

  it('reports unset variables without default at their scalar, once per reference', () => {
    const { missing } = run('x: ok\nlist:\n  - ${ONE}\n  - "${TWO} and ${THREE:-3}"\n', {});
    expect(missing).toEqual([
      { name: 'ONE', line: 3, col: 5 },
      { name: 'TWO', line: 4, col: 5 },
    ]);
  });

  it('leaves keys alone and supports $${ as a literal', () => {
    const { data } = run('${K}: v\nt: $${NOT_A_VAR}\n', { K: 'key' });
    expect(data).toEqual({ '${K}': 'v', t: '${NOT_A_VAR}' });
  });
});
