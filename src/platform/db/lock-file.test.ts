import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirLockedError, lockDataDir, type DataDirLock } from './lock-file.js';

let dataDir: string;
const held: DataDirLock[] = [];
const lockPath = () => join(dataDir, 'facilityflow.lock');

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'ff-lock-'));
});
afterEach(() => {
  for (const lock of held.splice(0)) lock.release();
  rmSync(dataDir, { recursive: true, force: true });
});

function lock(): DataDirLock {
  const acquired = lockDataDir(dataDir);
  held.push(acquired);
  return acquired;
}

/** The pid of a process that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  expect(child.status).toBe(0);
  return child.pid!;
}

describe('lockDataDir in one process', () => {
  it('writes this pid and refuses a second lock while it is held', () => {
    lock();
    expect(readFileSync(lockPath(), 'utf8').trim()).toBe(String(process.pid));
    expect(() => lockDataDir(dataDir)).toThrow(DataDirLockedError);
    expect(() => lockDataDir(dataDir)).toThrow(
      new RegExp(`in use by another facilityflow process \\(pid ${process.pid}\\)`),
    );
  });

  it("takes over a lock naming this pid that this process does not hold (a restarted container's)", () => {
    writeFileSync(lockPath(), String(process.pid));
    lock();
    expect(() => lockDataDir(dataDir)).toThrow(DataDirLockedError);
  });

  it('can be taken again once released', () => {
    lock().release();
    expect(existsSync(lockPath())).toBe(false);
    lock();
    expect(existsSync(lockPath())).toBe(true);
  });

  it.each([
    { name: 'a dead pid', content: () => String(deadPid()) },
    { name: 'an empty file', content: () => '' },
    { name: 'garbage', content: () => 'not a pid' },
  ])('takes over a stale lock holding $name', ({ content }) => {
    writeFileSync(lockPath(), content());
    lock();
    expect(readFileSync(lockPath(), 'utf8').trim()).toBe(String(process.pid));
  });
});

describe('a second facilityflow process', () => {
  const migrate = () => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    return spawnSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'src/cli.ts', 'migrate'], {
      cwd: join(import.meta.dirname, '../../..'),
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
  };

  it('is refused while this process holds the data folder', () => {
    lock();
    const child = migrate();
    expect(child.error).toBeUndefined();
    expect(child.status, child.stderr).toBe(1);
    expect(child.stderr).toContain('in use by another facilityflow process');
    expect(child.stderr).toContain(`pid ${process.pid}`);
    expect(readFileSync(lockPath(), 'utf8').trim()).toBe(String(process.pid));
    expect(existsSync(join(dataDir, 'pgdata'))).toBe(false);
  }, 70_000);

  it('migrates once the folder is free, and releases it on exit', () => {
    const child = migrate();
    expect(child.error).toBeUndefined();
    expect(child.status, child.stderr).toBe(0);
    expect(child.stdout).toContain('0001_foundation');
    expect(existsSync(lockPath())).toBe(false);
  }, 70_000);
});
