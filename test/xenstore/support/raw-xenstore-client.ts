import { createConnection } from 'node:net';
import type { Socket } from 'node:net';
import { encodeMessage, XsFrameParser } from '../../../shared/xenstore/wire.js';
import type { XsMessage } from '../../../shared/xenstore/wire.js';

/**
 * A XenStore client at the level of frames, for any server on a unix socket: requests go out as
 * given (any type, req_id, tx_id, payload, pipelined or not) and what comes back, replies and
 * WATCH_EVENTs alike, is handed over in arrival order. Servers answer one connection's requests
 * in order, so the n-th reply belongs to the n-th request.
 */
export class RawXenstoreClient {
  private readonly parser = new XsFrameParser();
  private readonly inbox: XsMessage[] = [];
  private waiting: { count: number; wake: () => void } | undefined;
  private ended: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.inbox.push(...this.parser.push(chunk));
      this.wakeIfReady();
    });
    socket.on('error', (error) => this.end(error));
    socket.on('close', () => this.end(new Error('the XenStore server closed the connection')));
  }

  static connect(socketPath: string): Promise<RawXenstoreClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(socketPath);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawXenstoreClient(socket));
      });
    });
  }

  /** Writes frames in one go: the server sees them pipelined. */
  send(...requests: XsMessage[]): void {
    this.sendBytes(Buffer.concat(requests.map(encodeMessage)));
  }

  /** Writes bytes as they are, for frames no encoder would make. */
  sendBytes(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** The next `count` messages (replies and watch events) in arrival order; rejects if the connection ends first. */
  async next(count: number): Promise<XsMessage[]> {
    while (this.inbox.length < count) {
      if (this.ended) throw this.ended;
      await new Promise<void>((wake) => (this.waiting = { count, wake }));
    }
    return this.inbox.splice(0, count);
  }

  /** Sends one request and returns the next message: its reply, on a connection with no watches. */
  async request(request: XsMessage): Promise<XsMessage> {
    this.send(request);
    const [reply] = await this.next(1);
    return reply as XsMessage;
  }

  close(): void {
    this.socket.destroy();
  }

  private end(error: Error): void {
    this.ended ??= error;
    this.waiting?.wake();
    this.waiting = undefined;
  }

  private wakeIfReady(): void {
    if (this.waiting && this.inbox.length >= this.waiting.count) {
      this.waiting.wake();
      this.waiting = undefined;
    }
  }
}
