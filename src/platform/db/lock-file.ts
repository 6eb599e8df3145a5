import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * PGlite is single-process: a second process opening the same folder silently loses writes.
 * The lock file holds the owner's pid; a lock whose pid is gone is stale and taken over. Two
 * processes taking over the same stale lock at the same instant can still race; a live lock is
 * never taken.
 */
export class DataDirLockedError extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `The data folder ${dataDir} is in use by another facilityflow process (pid ${pid}). ` +
        'Stop that process, or point DATA_DIR at another folder.',
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  release(): void;
}

/** Lock files this process holds: a lock naming our pid but not in here is a dead predecessor's. */
const heldLocks = new Set<string>();

export function lockDataDir(dataDir: string): DataDirLock {
  const path = join(dataDir, 'facilityflow.lock');
  const pid = String(process.pid);
  // Written aside and hard-linked into place, so the lock never exists without its pid in it.
  const draft = `${path}.${pid}`;
  writeFileSync(draft, pid);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(draft, path);
        heldLocks.add(path);
        const release = () => {
          process.off('exit', release);
          heldLocks.delete(path);
          if (readLock(path) === pid) rmSync(path, { force: true });
        };
        process.on('exit', release);
        return { release };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const content = readLock(path);
        const owner = Number(content);
        // After a crash a restarted container often gets the same pid back, so our own pid on a
        // lock we do not hold is stale too.
        const ours = owner === process.pid && !heldLocks.has(path);
        if (!ours && isAlive(owner)) throw new DataDirLockedError(dataDir, owner);
        // Stale: remove it only if it still names the dead owner we just saw.
        if (readLock(path) === content) rmSync(path, { force: true });
      }
    }
  } finally {
    rmSync(draft, { force: true });
  }
  throw new Error(`Could not lock the data folder ${dataDir}`);
}

function readLock(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
