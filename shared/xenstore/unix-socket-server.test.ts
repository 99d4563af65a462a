import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { XenstoreSocketUnavailableError } from './errors.js';
import { InMemoryXenstoreState } from './in-memory-state.js';
import { directChannels } from './direct-channel.js';
import { XenstoreLogic } from './logic.js';
import { XsMessageType } from './message-type.js';
import { XenstoreUnixSocketServer } from './unix-socket-server.js';
import { encodeMessage, XsFrameParser } from './wire.js';
import type { XsMessage } from './wire.js';

let dir: string;
let server: XenstoreUnixSocketServer;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xoar-xs-socket-'));
  server = await XenstoreUnixSocketServer.listen({ path: join(dir, 'socket'), channels: directChannels(await XenstoreLogic.open({ state: new InMemoryXenstoreState() })) });
});

afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function connect(): Promise<{ socket: Socket; receive(count: number): Promise<XsMessage[]>; closed: Promise<void> }> {
  const socket = createConnection(server.path);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const parser = new XsFrameParser();
  const received: XsMessage[] = [];
  let wake = (): void => undefined;
  socket.on('data', (chunk: Buffer) => {
    received.push(...parser.push(chunk));
    wake();
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    closed,
    async receive(count) {
      while (received.length < count) await new Promise<void>((resolve) => (wake = resolve));
      return received.splice(0, count);
    },
  };
}

const request = (type: number, reqId: number, payload: string): Buffer => encodeMessage({ type, reqId, txId: 0, payload: Buffer.from(payload, 'latin1') });
const text = (message: XsMessage): string => Buffer.from(message.payload).toString('latin1');

describe('XenstoreUnixSocketServer', () => {
  it('answers pipelined requests in order, however the bytes are split', async () => {
    const client = await connect();
    const count = 500;
    const frames = Buffer.concat(Array.from({ length: count }, (_, index) => request(XsMessageType.write, index, `/n/${index % 7}\0${index}`)));
    for (let offset = 0; offset < frames.length; offset += 997) client.socket.write(frames.subarray(offset, offset + 997));
    const replies = await client.receive(count);
    expect(replies.map((reply) => reply.reqId)).toEqual(Array.from({ length: count }, (_, index) => index));
    expect(replies.every((reply) => reply.type === XsMessageType.write && text(reply) === 'OK\0')).toBe(true);
    client.socket.end();
  });

  it('sends watch events to the connection that watches', async () => {
    const watcher = await connect();
    const writer = await connect();
    watcher.socket.write(request(XsMessageType.watch, 1, '/w\0tok\0'));
    expect((await watcher.receive(2)).map((message) => [message.type, text(message)])).toEqual([
      [XsMessageType.watch, 'OK\0'],
      [XsMessageType.watchEvent, '/w\0tok\0'],
    ]);
    writer.socket.write(request(XsMessageType.write, 2, '/w/x\0v'));
    expect(text((await writer.receive(1))[0]!)).toBe('OK\0');
    expect(text((await watcher.receive(1))[0]!)).toBe('/w/x\0tok\0');
    watcher.socket.end();
    writer.socket.end();
  });

  it('drops a client that announces an oversized payload', async () => {
    const client = await connect();
    const header = request(XsMessageType.read, 1, '');
    header.writeUInt32LE(4097, 12);
    client.socket.write(header);
    await client.closed;
  });

  it('close() disconnects clients and removes the socket file', async () => {
    const client = await connect();
    await server.close();
    await client.closed;
    expect(existsSync(join(dir, 'socket'))).toBe(false);
  });

  it('says which path it could not listen on', async () => {
    const taken = XenstoreUnixSocketServer.listen({ path: server.path, channels: directChannels(await XenstoreLogic.open({ state: new InMemoryXenstoreState() })) });
    await expect(taken).rejects.toBeInstanceOf(XenstoreSocketUnavailableError);
  });
});
