import { XsMessageType } from '../shared/xenstore/message-type.js';
import type { XsMessage } from '../shared/xenstore/wire.js';
import { RawXenstoreClient } from '../test/xenstore/support/raw-xenstore-client.js';
import { type Summary, summarise } from './stats.js';

export interface XenstoreSocketBenchOptions {
  /** Timed request/reply round trips per latency measure. */
  readonly samples: number;
  /** Requests in the pipelined throughput run: three reads to every write. */
  readonly pipelinedOps: number;
  /** Requests kept outstanding during the throughput run. */
  readonly pipelineDepth: number;
}

export interface XenstoreSocketBench {
  readonly readLatency: Summary;
  readonly writeLatency: Summary;
  /** TRANSACTION_START, one WRITE in it, TRANSACTION_END commit: three round trips. */
  readonly transactionLatency: Summary;
  readonly pipelinedOpsPerSecond: number;
}

const KEYS = 16;
const key = (index: number): string => `/bench/key${index % KEYS}`;
const read = (index: number): XsMessage => request(XsMessageType.read, `${key(index)}\0`);
const write = (index: number, txId = 0): XsMessage => request(XsMessageType.write, `${key(index)}\0value-${index}`, txId);

/**
 * Latency and pipelined throughput of one XenStore server on a unix socket, measured through a
 * single raw client connection (no library in between), so two servers compare like for like.
 */
export async function benchXenstoreSocket(socketPath: string, options: XenstoreSocketBenchOptions): Promise<XenstoreSocketBench> {
  const client = await RawXenstoreClient.connect(socketPath);
  try {
    for (let i = 0; i < KEYS; i++) await roundTrip(client, write(i));
    const warmUp = Math.min(options.samples, 200);
    await timedRoundTrips(warmUp, (i) => roundTrip(client, i % 2 ? read(i) : write(i)));
    const writeLatency = await timedRoundTrips(options.samples, (i) => roundTrip(client, write(i)));
    const readLatency = await timedRoundTrips(options.samples, (i) => roundTrip(client, read(i)));
    const transactionLatency = await timedRoundTrips(options.samples, async (i) => {
      const started = await roundTrip(client, request(XsMessageType.transactionStart, '\0'));
      const txId = Number.parseInt(Buffer.from(started.payload).toString('latin1'), 10);
      await roundTrip(client, write(i, txId));
      await roundTrip(client, request(XsMessageType.transactionEnd, 'T\0', txId));
    });
    const pipelinedOpsPerSecond = await pipelinedThroughput(client, options);
    return { readLatency, writeLatency, transactionLatency, pipelinedOpsPerSecond };
  } finally {
    client.close();
  }
}

async function timedRoundTrips(count: number, run: (index: number) => Promise<unknown>): Promise<Summary> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const began = performance.now();
    await run(i);
    samples.push(performance.now() - began);
  }
  return summarise(samples);
}

async function pipelinedThroughput(client: RawXenstoreClient, { pipelinedOps, pipelineDepth }: XenstoreSocketBenchOptions): Promise<number> {
  const next = (index: number): XsMessage => (index % 4 === 3 ? write(index) : read(index));
  const began = performance.now();
  let sent = Math.min(pipelineDepth, pipelinedOps);
  client.send(...Array.from({ length: sent }, (_, i) => next(i)));
  for (let answered = 0; answered < pipelinedOps; answered++) {
    expectSuccess((await client.next(1))[0] as XsMessage);
    if (sent < pipelinedOps) client.send(next(sent++));
  }
  return pipelinedOps / ((performance.now() - began) / 1000);
}

async function roundTrip(client: RawXenstoreClient, message: XsMessage): Promise<XsMessage> {
  return expectSuccess(await client.request(message));
}

/** A bench that counted error replies would measure the wrong thing. */
function expectSuccess(reply: XsMessage): XsMessage {
  if (reply.type === XsMessageType.error) throw new Error(`XenStore bench: request ${reply.reqId} failed: ${Buffer.from(reply.payload).toString('latin1')}`);
  return reply;
}

let nextReqId = 1;
function request(type: number, payload: string, txId = 0): XsMessage {
  return { type, reqId: nextReqId++ >>> 0, txId, payload: Buffer.from(payload, 'latin1') };
}
