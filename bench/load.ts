import { Agent, request } from 'node:http';

/** A closed-loop load: `clients` callers, each starting its next call when the last one ends. */
export interface LoadResult {
  calls: number;
  errors: number;
  seconds: number;
  /** Latencies in milliseconds, sorted. */
  latencies: number[];
}

export async function runLoad(
  clients: number,
  seconds: number,
  call: (client: number, i: number) => Promise<boolean>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const t0 = performance.now();
        const ok = await call(client, i).catch(() => false);
        latencies.push(performance.now() - t0);
        if (!ok) errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { calls: latencies.length, errors, seconds: elapsed, latencies };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * A keep-alive HTTP client for one server. `send` resolves to the status and parsed JSON body;
 * `status` to the status alone once the last byte has arrived, so a load's latencies measure the
 * server and not the client's parsing.
 */
export function httpClient(baseUrl: string, token: string, sockets: number) {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  const call = (method: string, path: string, body: unknown, keepBody: boolean) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method,
          path,
          headers: {
            authorization: `Bearer ${token}`,
            ...(payload ? { 'content-type': 'application/json' } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          if (keepBody) res.on('data', (chunk: Buffer) => chunks.push(chunk));
          else res.resume();
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  };
  return {
    close: () => agent.destroy(),
    async send(method: string, path: string, body?: unknown) {
      const { status, text } = await call(method, path, body, true);
      return { status, body: text ? (JSON.parse(text) as unknown) : null };
    },
    async status(method: string, path: string, body?: unknown) {
      return (await call(method, path, body, false)).status;
    },
  };
}
export type HttpClient = ReturnType<typeof httpClient>;
