/**
 * What a test or bench run on a broker leaves behind, removed: its topics
 * (deleted, errors ignored: a run that failed early may have made none), the
 * transport (closed) and its temporary directory. No vitest import, so the
 * benches use it too.
 */
import fs from 'node:fs';
import type { Transport } from '../../transports/types.js';

export async function cleanUpRun(transport: Transport, topics: readonly string[], dir: string): Promise<void> {
  if (topics.length > 0)
    await transport
      .admin()
      .deleteTopics([...topics])
      .catch(() => undefined);
  await transport.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
