import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** One `facilityflow serve` process on 127.0.0.1. */
export interface ServerProcess {
  url: string;
  /** Resolves when the process has ended: its exit code, or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The end of what it wrote to stdout and stderr, for failure messages. */
  output(): string;
  /** Sends `signal` if the process is still running. */
  signal(signal: NodeJS.Signals): void;
}

export interface ServerCluster {
  servers: ServerProcess[];
  /** SIGTERM to every process still running, SIGKILL to any still there 15 s later. */
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// Under the test hook timeout (60 s), so a start that hangs fails with its output.
const START_TIMEOUT_MS = 50_000;
const STOP_TIMEOUT_MS = 15_000;
const OUTPUT_KEPT = 20_000;
/** The banner `serve` prints once it listens and its jobs have started. */
const LISTENING = /listening on http:\/\/localhost:(\d+)/;

/** Processes not yet ended: killed when this process exits or is stopped by a signal. */
const running = new Set<ChildProcess>();
const killRunning = () => {
  for (const child of running) child.kill('SIGKILL');
};
process.once('exit', killRunning);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  // Then the signal again, to do what it would have done without this listener.
  process.once(signal, () => {
    killRunning();
    process.kill(process.pid, signal);
  });
}

/**
 * Starts `count` server processes with `env` (and PATH) as their whole environment, each on a
 * port the system chooses (read from its banner, so two never race for one), and waits until
 * each answers `/readyz`. If one fails to start, all are stopped and the error carries its output.
 */
export async function startServers(
  count: number,
  env: Record<string, string>,
): Promise<ServerCluster> {
  const launched = Array.from({ length: count }, () => launchServer(env));
  const cluster: ServerCluster = {
    servers: [],
    stop: () => Promise.all(launched.map(({ stop }) => stop())).then(() => undefined),
  };
  try {
    cluster.servers.push(...(await Promise.all(launched.map(({ started }) => started))));
  } catch (error) {
    // Killed at once: a graceful stop could take the rest of the hook's time and lose the output.
    for (const { signal } of launched) signal('SIGKILL');
    await Promise.all(launched.map(({ exited }) => exited));
    throw error;
  }
  return cluster;
}

/**
 * One server process: `started` resolves once it serves (rejects if it ends first); `stop` as
 * in ServerCluster.
 */
export function launchServer(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env, HOST: '127.0.0.1', PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_KEPT);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  const signal = (name: NodeJS.Signals) => {
    if (running.has(child)) child.kill(name);
  };
  const stop = async () => {
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  const started = (async (): Promise<ServerProcess> => {
    const deadline = Date.now() + START_TIMEOUT_MS;
    let ended = false;
    void exited.then(() => (ended = true));
    let port: string | undefined;
    while (Date.now() < deadline && !ended) {
      port ??= LISTENING.exec(output)?.[1];
      const status = port
        ? await fetch(`http://127.0.0.1:${port}/readyz`).then(
            (response) => response.status,
            () => 0,
          )
        : 0;
      if (status === 200) {
        return { url: `http://127.0.0.1:${port}`, exited, output: () => output, signal };
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`a server ${ended ? 'exited' : 'was not ready'} before it served:\n${output}`);
  })();
  // Whoever awaits it hears of a failure; a process stopped early is not one.
  started.catch(() => {});
  return { started, stop, exited, output: () => output, signal };
}
