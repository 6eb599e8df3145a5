import type { FastifyInstance } from 'fastify';

/**
 * While the app closes, every response closes its connection. Closing the server ends only the
 * keep-alive connections idle at that moment: one whose request was in flight would stay open
 * after its answer (and keep `close` waiting) until the client dropped it or it timed out. A
 * response that began before the close (a long export) was sent without the header, so its
 * connection is ended once the response has finished.
 */
export function closeConnectionsWhenClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
  app.addHook('onResponse', async () => {
    if (closing) app.server.closeIdleConnections();
  });
}
