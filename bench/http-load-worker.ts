import { parentPort, workerData } from 'node:worker_threads';
import { httpClient, runLoad, type LoadResult } from './load.js';
import type { HttpPlan } from './http-load.js';

/** Runs an HTTP load plan off the server's thread and posts the result back. */
const { baseUrl, token, clients, seconds, plan } = workerData as {
  baseUrl: string;
  token: string;
  clients: number;
  seconds: number;
  plan: HttpPlan;
};
const http = httpClient(baseUrl, token, clients);
const bodyTexts = (plan.bodies ?? (plan.body === undefined ? [] : [plan.body])).map((body) =>
  JSON.stringify(body),
);
const result = plan.once
  ? await eachOnce()
  : await runLoad(clients, seconds, async (client, i) => {
      const spread = plan.pathPerClient ? client : client * 7919 + i * 104729;
      const path = plan.paths[spread % plan.paths.length]!;
      const bodyText = bodyTexts[i % Math.max(1, bodyTexts.length)];
      const body =
        bodyText === undefined
          ? undefined
          : JSON.parse(bodyText.replaceAll('{n}', `${client}-${i}`));
      return (await http.status(plan.method, path, body)) === plan.expectStatus;
    });
http.close();
parentPort!.postMessage(result);

async function eachOnce(): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  for (const path of plan.paths) {
    const t0 = performance.now();
    const ok = await http
      .status(plan.method, path)
      .then((status) => status === plan.expectStatus)
      .catch(() => false);
    latencies.push(performance.now() - t0);
    if (!ok) errors++;
  }
  latencies.sort((a, b) => a - b);
  return {
    calls: latencies.length,
    errors,
    seconds: (performance.now() - started) / 1000,
    latencies,
  };
}
