import { randomUUID } from 'node:crypto';
import type { ServerProcess } from './server-processes.js';

/** HTTP calls to `serve` processes, and the write load the cluster test stops a process under. */

export interface Answer {
  status: number;
  headers: Headers;
  data: Record<string, unknown>;
}

export async function api(
  server: ServerProcess,
  token: string | null,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    data: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

interface Attempt {
  kind: 'create' | 'update' | 'transition';
  server: string;
  correlationId: string;
  ticketId: string | undefined;
  /** The HTTP status, absent when the connection failed. */
  status: number | undefined;
  /** refused: never reached the process (or 503 while closing), safe to send elsewhere. */
  outcome: 'answered' | 'refused' | 'broken';
  started: number;
  at: number;
}

const BURST = 20;

interface TicketState {
  version: number;
  status: string;
  description: string | null;
}

/**
 * `clients` writers, each on tickets of its own: create, then updates and transitions naming
 * the version, five writes a ticket. A refused connection (or a 503 while closing) is sent to
 * the next process; after a broken connection the ticket's state is unknown and the client
 * starts another. `stop` sends SIGTERM to a process part way through, amid a burst of creates.
 */
export async function runWriteLoad(
  servers: ServerProcess[],
  token: string,
  options: {
    clients: number;
    durationMs: number;
    stop: { server: ServerProcess; afterMs: number };
  },
) {
  const attempts: Attempt[] = [];
  const tickets = new Map<string, TicketState>();
  const started = performance.now();
  const deadline = started + options.durationMs;
  let stoppedAt = Infinity;

  const send = async (
    first: number,
    kind: Attempt['kind'],
    ticketId: string | undefined,
    method: string,
    path: string,
    body: unknown,
  ): Promise<Answer | null> => {
    for (let i = 0; i < servers.length; i++) {
      const server = servers[(first + i) % servers.length]!;
      const correlationId = randomUUID();
      const attempt: Attempt = {
        kind,
        server: server.url,
        correlationId,
        ticketId,
        status: undefined,
        outcome: 'broken',
        started: performance.now(),
        at: 0,
      };
      attempts.push(attempt);
      try {
        const answer = await api(server, token, method, path, body, {
          'x-correlation-id': correlationId,
        });
        attempt.at = performance.now();
        attempt.status = answer.status;
        attempt.outcome = answer.status === 503 ? 'refused' : 'answered';
        if (answer.status !== 503) {
          attempt.ticketId ??= answer.data.id as string | undefined;
          return answer;
        }
      } catch (error) {
        attempt.at = performance.now();
        const code = (error as { cause?: { code?: string } }).cause?.code;
        if (code !== 'ECONNREFUSED') return null;
        attempt.outcome = 'refused';
      }
    }
    return null;
  };

  // Then a burst of creates to the process to stop, and SIGTERM once the first is answered:
  // the others are in flight by then, and must be finished, not failed.
  let burst: Promise<unknown> = Promise.resolve();
  const stopTimer = setTimeout(() => {
    const creates = Array.from({ length: BURST }, (_, i) =>
      send(servers.indexOf(options.stop.server), 'create', undefined, 'POST', '/api/v1/tickets', {
        title: `Load burst ${i}`,
      }),
    );
    burst = Promise.all(creates);
    void Promise.race(creates).then(() => {
      stoppedAt = performance.now();
      options.stop.server.signal('SIGTERM');
    });
  }, options.stop.afterMs);

  await Promise.all(
    Array.from({ length: options.clients }, async (_, client) => {
      let current: { id: string; state: TicketState; writes: number } | null = null;
      for (let n = 0; performance.now() < deadline; n++) {
        const first = client + n;
        if (!current) {
          const answer = await send(first, 'create', undefined, 'POST', '/api/v1/tickets', {
            title: `Load ${client}-${n}`,
          });
          if (answer?.status !== 201) continue;
          const id = answer.data.id as string;
          current = { id, state: { version: 1, status: 'NEW', description: null }, writes: 1 };
          tickets.set(id, current.state);
          continue;
        }
        const { id, state } = current;
        const next: TicketState =
          n % 2 === 0
            ? { ...state, version: state.version + 1, description: `written ${n}` }
            : {
                ...state,
                version: state.version + 1,
                status: state.status === 'OPEN' ? 'INPROGRESS' : 'OPEN',
              };
        const answer =
          n % 2 === 0
            ? await send(first, 'update', id, 'PATCH', `/api/v1/tickets/${id}`, {
                description: next.description,
                version: state.version,
              })
            : await send(first, 'transition', id, 'POST', `/api/v1/tickets/${id}/transitions`, {
                target_state: next.status,
                version: state.version,
              });
        if (answer?.status === 200) {
          current.state = next;
          tickets.set(id, next);
          current.writes += 1;
          if (current.writes >= 5) current = null;
        } else {
          // Unknown whether it applied: the database must still be consistent, see the checks.
          tickets.delete(id);
          current = null;
        }
      }
    }),
  );
  clearTimeout(stopTimer);
  await burst;
  const stopped = options.stop.server.url;
  const finishedAfterStop = attempts.filter(
    (x) =>
      x.server === stopped &&
      x.started < stoppedAt &&
      x.at > stoppedAt &&
      x.status !== undefined &&
      x.status < 300,
  ).length;
  return { attempts, tickets, stoppedAt, finishedAfterStop };
}
