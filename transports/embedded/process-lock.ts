/**
 * The embedded log belongs to one process: opening it recovers (aborts) the
 * transactions left open, which would destroy the work of another process
 * still writing to it. A lock file next to the database holds the owner's
 * pid; a lock whose process is gone is stale and taken over (kill -9 leaves
 * one behind, and the restarted process must be able to open its log).
 */
import fs from 'node:fs';
import path from 'node:path';
import { AuraError, ErrorCodes } from '../../common/errors.js';

const held = new Map<string, number>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock of `dbPath` (no-op for in-memory logs); returns its release function. */
export function lockLog(dbPath: string): () => void {
  if (dbPath === ':memory:' || dbPath.startsWith('file:')) return () => undefined;
  const lockPath = `${dbPath}.lock`;
  const count = held.get(lockPath) ?? 0;
  if (count === 0) {
    // Taken before the database is opened (which would create the directory): a first start.
    fs.mkdirSync(path.dirname(path.resolve(lockPath)), { recursive: true });
    for (let attempt = 0; ; attempt++) {
      try {
        fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
        const owner = Number(fs.readFileSync(lockPath, 'utf8').trim());
        if (owner !== process.pid && Number.isInteger(owner) && owner > 0 && alive(owner)) {
          throw new AuraError(
            ErrorCodes.TRANSPORT_FAILED,
            `embedded log ${dbPath} is in use by process ${owner}: the embedded log serves one process (run several instances on Kafka)`,
          );
        }
        fs.rmSync(lockPath, { force: true }); // stale: its owner is gone
      }
    }
  }
  held.set(lockPath, count + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const n = (held.get(lockPath) ?? 1) - 1;
    if (n > 0) held.set(lockPath, n);
    else {
      held.delete(lockPath);
      fs.rmSync(lockPath, { force: true });
    }
  };
}
