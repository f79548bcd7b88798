/**
 * Dotted field paths (`data.score`, `user_id`) compiled once into a getter:
 * the aggregate processor reads fields on every record, so no string split
 * or expression engine runs per record.
 */
export type Getter = (value: unknown) => unknown;

export function compilePath(path: string): Getter {
  const parts = path.split('.').filter((p) => p.length > 0);
  if (parts.length === 1) {
    const [a] = parts as [string];
    return (v) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[a] : undefined);
  }
  return (v) => {
    let cur: unknown = v;
    for (const p of parts) {
      if (cur === null || typeof cur !== 'object') return undefined;
      cur = (cur as Record<string, unknown>)[p];
    }
    return cur;
  };
}
