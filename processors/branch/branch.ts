/** `branch`: routes each record to the first branch whose JSONata condition holds (Kafka Streams' split()), else to `default` if set. */
import { compileExpression, truthy, type CompiledExpression } from '../expression.js';
import type { Processor, ProcessorContext } from '../types.js';

export interface BranchConfig {
  branches: Record<string, string>;
  default?: string;
}

export function createBranch(config: BranchConfig): Processor {
  const branches: Array<[string, CompiledExpression]> = Object.entries(config.branches).map(([port, expr]) => [port, compileExpression(expr)]);
  let ctx!: ProcessorContext;
  return {
    init(c) {
      ctx = c;
    },
    process(record) {
      for (const [port, condition] of branches) {
        if (truthy(condition(record))) {
          ctx.forward(record, port);
          return;
        }
      }
      if (config.default) ctx.forward(record, config.default);
    },
  };
}
