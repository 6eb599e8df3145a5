import { Worker } from 'node:worker_threads';
import type { LoadResult } from './load.js';

/**
 * An HTTP load described as data, so that it can run on a worker thread: the server keeps its own
 * thread and the figures measure it, not the load generator sharing its event loop.
 */
export interface HttpPlan {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Spread over the clients and their calls. */
  paths: string[];
  /** Client `c` calls only `paths[c]` (a record of its own), instead of a spread over all. */
  pathPerClient?: boolean;
  /** JSON body; every `{n}` in its strings becomes a unique call number. */
  body?: unknown;
  /** Bodies taken in turn by each client's calls (back and forth between two states). */
  bodies?: unknown[];
  expectStatus: number;
  /** One client calls each path once, in order, instead of a timed load (latency of first calls). */
  once?: boolean;
}

export function runHttpLoad(
  target: { baseUrl: string; token: string; clients: number },
  seconds: number,
  plan: HttpPlan,
): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./http-load-worker.mjs', import.meta.url), {
      workerData: { ...target, seconds, plan },
    });
    worker.once('message', (result: LoadResult) => resolve(result));
    worker.once('error', reject);
  });
}
