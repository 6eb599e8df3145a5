import { parentPort, workerData } from 'node:worker_threads';
import { httpClient, runLoad } from './load.js';
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
const result = await runLoad(clients, seconds, async (client, i) => {
  const spread = plan.pathPerClient ? client : client * 7919 + i * 104729;
  const path = plan.paths[spread % plan.paths.length]!;
  const bodyText = bodyTexts[i % Math.max(1, bodyTexts.length)];
  const body =
    bodyText === undefined ? undefined : JSON.parse(bodyText.replaceAll('{n}', `${client}-${i}`));
  return (await http.send(plan.method, path, body)).status === plan.expectStatus;
});
http.close();
parentPort!.postMessage(result);
