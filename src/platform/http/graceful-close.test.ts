import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { buildTestApp } from '../../../test/app.js';
import { createTenant } from '../../../test/factories.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('answers a request in flight while closing, then closes its connection', async () => {
  const t = await buildTestApp();
  const agent = new Agent({ keepAlive: true });
  try {
    const tenant = await createTenant(t);
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as AddressInfo;
    const body = JSON.stringify({ title: 'Door closer' });
    const req = request({
      host: '127.0.0.1',
      port,
      agent,
      method: 'POST',
      path: '/api/v1/tickets',
      headers: {
        authorization: `Bearer ${tenant.adminToken}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
    });
    const answered = new Promise<{ status: number | undefined; connection: string | undefined }>(
      (resolve, reject) => {
        req.on('response', (res) => {
          res.resume();
          res.on('end', () =>
            resolve({ status: res.statusCode, connection: res.headers.connection }),
          );
        });
        req.on('error', reject);
      },
    );
    // The headers and half the body: the server has taken the request when it starts closing.
    req.write(body.slice(0, 10));
    await sleep(100);
    const closed = t.app.close();
    await sleep(50);
    req.end(body.slice(10));

    expect(await answered).toEqual({ status: 201, connection: 'close' });
    // Not held open by the connection, idle since its answer, until its keep-alive timeout.
    const outcome = await Promise.race([closed.then(() => 'closed'), sleep(5_000)]);
    expect(outcome).toBe('closed');
  } finally {
    agent.destroy();
    await t.close();
  }
});
