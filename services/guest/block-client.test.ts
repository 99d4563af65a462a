import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subjects } from '../../shared/bus/subjects.js';
import { blockFailure, decodeBlockRequest, encodeBlockReply } from '../../shared/devices/block/block-wire.js';
import type { BlockReply, BlockRequest } from '../../shared/devices/block/block-wire.js';
import { BlockErrorCode, BlockRequestOutOfBoundsError, BlockRingFullError } from '../../shared/devices/block/errors.js';
import { BlockClient } from './block-client.js';
import { BlockClientClosedError, BlockRequestRefusedError } from './errors.js';
import { BLOCK_BACKEND, type GuestBroker, HOST, startGuestBroker } from './testing/guest-broker.js';
import { until } from './testing/until.js';

const GUEST = 'web';
const SUBJECT = subjects.rpcForGuest(HOST, BLOCK_BACKEND, GUEST, 'vbd.51712');
const DATA = new Uint8Array(512).fill(7);

describe('BlockClient', () => {
  let dir: string;
  let broker: GuestBroker;
  let guest: NatsConnection;
  let backend: NatsConnection;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xoar-block-client-'));
    broker = await startGuestBroker(dir, { [GUEST]: 5 });
    guest = await broker.connect(GUEST);
    backend = await broker.connect(BLOCK_BACKEND);
  });
  afterAll(async () => {
    await guest.close();
    await backend.close();
    await broker.server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Answers each request with what `answer` says (nothing: no reply); returns the requests seen. */
  async function responder(answer: (request: BlockRequest, index: number) => BlockReply | undefined) {
    const seen: BlockRequest[] = [];
    const subscription = backend.subscribe(SUBJECT, {
      callback: (_error, msg: Msg) => {
        const request = decodeBlockRequest(msg.data);
        const reply = answer(request, seen.length);
        seen.push(request);
        if (reply !== undefined) msg.respond(encodeBlockReply(reply));
      },
    });
    await backend.flush();
    return { seen, stop: () => subscription.unsubscribe() };
  }

  const client = (timeoutMs = 5_000) => new BlockClient({ nc: guest, subject: SUBJECT, timeoutMs, backoff: { initialMs: 1, maxMs: 10 } });

  it('sends a full ring and an unanswered request again with the same id until it is answered ok', async () => {
    const backend = await responder((request, index) => {
      if (index === 0) return blockFailure(request.id, new BlockRingFullError(4));
      if (index === 1) return undefined;
      return { id: request.id, ok: true };
    });
    const disk = client(200);
    disk.connect();
    await disk.write(4096, DATA);
    backend.stop();

    // At least: refused (ring full), unanswered (timed out), answered ok.
    expect(backend.seen.length).toBeGreaterThanOrEqual(3);
    expect(new Set(backend.seen.map((request) => request.id)).size).toBe(1);
    expect(backend.seen.at(-1)).toMatchObject({ op: 'write', offset: 4096, data: DATA });
    expect(disk.retries).toBe(backend.seen.length - 1);
  });

  it('fails a request at once on a definite error, without sending it again', async () => {
    const backend = await responder((request) => blockFailure(request.id, new BlockRequestOutOfBoundsError(1 << 20, 4096, 1 << 20)));
    const disk = client();
    disk.connect();
    const failure = await disk.read(1 << 20, 4096).catch((error: unknown) => error);
    backend.stop();

    expect(failure).toBeInstanceOf(BlockRequestRefusedError);
    expect(failure).toMatchObject({ code: BlockErrorCode.outOfBounds, message: 'the backend refused read at 1048576: bytes 1048576..1052672 are outside the 1048576-byte disk' });
    expect(backend.seen).toHaveLength(1);
    expect(disk.retries).toBe(0);
  });

  it('holds requests while its backend is disconnected, and sends them once it connects', async () => {
    const backend = await responder((request) => ({ id: request.id, ok: true, data: DATA }));
    const disk = client();
    let answered: Uint8Array | undefined;
    const reading = disk.read(0, 512).then((data) => (answered = data));
    await sleep(50);
    expect(backend.seen).toEqual([]);
    expect(answered).toBeUndefined();

    disk.connect();
    expect(await reading).toEqual(DATA);
    backend.stop();
    expect(backend.seen).toHaveLength(1);
  });

  it('sends a request in flight again as soon as its backend is back, without waiting for its timeout', async () => {
    const backend = await responder((request, index) => (index === 0 ? undefined : { id: request.id, ok: true }));
    // Were the attempt in flight waited for, this test would time out first.
    const disk = client(60_000);
    disk.connect();
    const writing = disk.write(0, DATA);
    await until(() => backend.seen.length === 1);
    disk.disconnect();
    disk.connect();
    await writing;
    backend.stop();
    expect(backend.seen.map((request) => request.id)).toEqual([backend.seen[0]?.id, backend.seen[0]?.id]);
  });

  it('keeps retrying while nobody answers, through a disconnect, and resolves once a backend does', async () => {
    const disk = client(50);
    disk.connect();
    const flushing = disk.flush();
    await sleep(30);
    disk.disconnect();
    const backend = await responder((request) => ({ id: request.id, ok: true }));
    disk.connect();
    await flushing;
    backend.stop();
    expect(disk.retries).toBeGreaterThan(0);
    expect(backend.seen.map((request) => request.op)).toContain('flush');
  });

  it('fails what it holds when closed, and refuses new requests', async () => {
    const disk = client();
    const held = disk.write(0, DATA);
    disk.close();
    await expect(held).rejects.toBeInstanceOf(BlockClientClosedError);
    await expect(disk.read(0, 512)).rejects.toMatchObject({ code: 'guest-block-closed' });
  });
});
