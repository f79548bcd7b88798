import { describe, expect, it } from 'vitest';
import { SourceDoc } from './source-doc.js';

const yaml = `app: demo
topics:
  events:
    name: demo.events
processors:
  p:
    from: [a, "b"]
    config: { condition: "x > 1" }
`;

describe('SourceDoc.locate', () => {
  const src = new SourceDoc(yaml, 'p.yaml');

  it('finds values and keys by path', () => {
    expect(src.locate(['topics', 'events', 'name'])).toEqual({ line: 4, col: 11 });
    expect(src.locate(['topics', 'events', 'name'], 'key')).toEqual({ line: 4, col: 5 });
    expect(src.locate(['processors', 'p', 'from', 1])).toEqual({ line: 7, col: 15 });
    expect(src.locate(['processors', 'p', 'config', 'condition'])).toEqual({ line: 8, col: 26 });
  });

  it('falls back to the deepest existing key for paths that do not exist', () => {
    expect(src.locate(['topics', 'events', 'partitions'])).toEqual({ line: 3, col: 3 });
    expect(src.locate(['nothing'])).toEqual({ line: 1, col: 1 });
  });

  it('locates a character inside a one-line scalar, after its quote', () => {
    expect(src.locateInScalar(['processors', 'p', 'config', 'condition'], 2)).toEqual({ line: 8, col: 29 });
    expect(src.locateInScalar(['processors', 'p', 'from', 0], 0)).toEqual({ line: 7, col: 12 });
  });

  it('reports syntax problems with their offsets', () => {
    const broken = new SourceDoc('a: [1, 2\nb: 3\n', 'b.yaml');
    const problems = broken.problems();
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0].message).not.toContain('\n');
  });
});
