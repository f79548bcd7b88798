/** `filter`: keeps the records whose JSONata condition holds. */
import { compileExpression, truthy } from '../expression.js';
import type { Processor, ProcessorContext } from '../types.js';

export interface FilterConfig {
  condition: string;
}

export function createFilter(config: FilterConfig): Processor {
  const condition = compileExpression(config.condition);
  let ctx!: ProcessorContext;
  return {
    init(c) {
      ctx = c;
    },
    process(record) {
      if (truthy(condition(record))) ctx.forward(record);
    },
  };
}
