/** The join node builders, by join type. */
import { AuraError, ErrorCodes } from '../../common/errors.js';
import type { Receiver } from '../node.js';
import type { JoinFactoryInput } from '../task-graph.js';
import { streamStreamJoin } from './stream-stream.js';
import { streamTableJoin } from './stream-table.js';

export function createJoin(input: JoinFactoryInput): Receiver {
  switch (input.spec.type) {
    case 'stream_table':
      return streamTableJoin(input);
    case 'stream_stream':
      return streamStreamJoin(input);
    default:
      throw new AuraError(ErrorCodes.PIPELINE_INVALID, `join "${input.spec.id}" has unknown type "${input.spec.type}"`);
  }
}
