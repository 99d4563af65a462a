import { createServer, type Socket } from 'node:net';

export interface SilentBroker {
  /** `nats://<host>:<port>` */
  url: string;
  close(): Promise<void>;
}

/**
 * A "broker" that accepts connections and never answers: a service VM given its URL stays up,
 * waiting for it, so a driver can be exercised without a real broker.
 */
export async function silentBroker(host = '127.0.0.1'): Promise<SilentBroker> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    url: `nats://${host}:${(server.address() as { port: number }).port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
