/** `map`: computes a new value and/or key with JSONata. A value that evaluates to nothing drops the record. */
import { compileExpression } from '../expression.js';
import type { Processor, ProcessorContext } from '../types.js';

export interface MapConfig {
  value?: string;
  key?: string;
}

export function createMap(config: MapConfig): Processor {
  const value = config.value ? compileExpression(config.value) : undefined;
  const key = config.key ? compileExpression(config.key) : undefined;
  let ctx!: ProcessorContext;
  return {
    init(c) {
      ctx = c;
    },
    process(record) {
      const v = value ? value(record) : record.value;
      if (v === undefined) return;
      const k = key ? key(record) : record.key;
      ctx.forward({ ...record, key: k === undefined || k === null ? null : String(k), value: v });
    },
  };
}
