import pg from 'pg';

/** What a LISTEN hears, and whether it is hearing: nothing is heard while it reconnects. */
export interface ChannelListener {
  message(payload: string): void;
  listening(on: boolean): void;
}

const RECONNECT_MS = 1000;

/**
 * LISTENs on `channel` over a connection of its own (pooled connections are shared and reset),
 * reconnecting after a loss; `listening(false)` is said for as long as it is down. Resolves once
 * the first attempt has ended; returns the function that stops it.
 */
export async function listenOnPostgres(
  url: string,
  channel: string,
  listener: ChannelListener,
): Promise<() => Promise<void>> {
  let current: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let stopped = false;

  const lost = (client: pg.Client) => {
    if (current === client) current = undefined;
    listener.listening(false);
    client.end().catch(() => {});
    if (!stopped && !retry) {
      retry = setTimeout(() => {
        retry = undefined;
        void connect();
      }, RECONNECT_MS);
    }
  };
  const connect = async () => {
    const client = new pg.Client({ connectionString: url });
    client.on('notification', (notification) => {
      if (notification.channel === channel) listener.message(notification.payload ?? '');
    });
    client.on('error', () => lost(client));
    client.on('end', () => lost(client));
    try {
      await client.connect();
      await client.query(`listen ${pg.escapeIdentifier(channel)}`);
      if (stopped) return void client.end().catch(() => {});
      current = client;
      listener.listening(true);
    } catch {
      lost(client);
    }
  };

  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    listener.listening(false);
    await current?.end().catch(() => {});
  };
}
