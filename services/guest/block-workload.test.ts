import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { BlockRequestOutOfBoundsError } from '../../shared/devices/block/errors.js';
import { WORKLOAD_BLOCK_BYTES } from '../../shared/guest/guest-config.js';
import { latencyPercentile } from '../../shared/guest/guest-report.js';
import { writeSeqOf } from './block-pattern.js';
import { BlockWorkload, type WorkloadDisk } from './block-workload.js';
import { BlockRequestRefusedError } from './errors.js';
import { until } from './testing/until.js';

/** A disk in memory that answers after a turn of the event loop and checks how it is used. */
function memoryDisk(options: { loses?: (seq: number | null) => boolean; refuseAfter?: number; writeDelayMs?: number } = {}) {
  const blocks = new Map<number, Uint8Array>();
  const inFlight = new Set<number>();
  const seen = { requests: 0, mostInFlight: 0, overlapping: 0 };
  const enter = async (offset: number) => {
    seen.requests++;
    if (options.refuseAfter !== undefined && seen.requests > options.refuseAfter) {
      throw new BlockRequestRefusedError(`write at ${offset}`, new BlockRequestOutOfBoundsError(offset, WORKLOAD_BLOCK_BYTES, 0).toJSON());
    }
    if (inFlight.has(offset)) seen.overlapping++;
    inFlight.add(offset);
    seen.mostInFlight = Math.max(seen.mostInFlight, inFlight.size);
    await sleep(0);
    inFlight.delete(offset);
  };
  const disk: WorkloadDisk = {
    retries: 0,
    async read(offset) {
      await enter(offset);
      return blocks.get(offset) ?? new Uint8Array(WORKLOAD_BLOCK_BYTES);
    },
    async write(offset, data) {
      await enter(offset);
      if (options.writeDelayMs !== undefined) await sleep(options.writeDelayMs);
      if (!options.loses?.(writeSeqOf(data, offset))) blocks.set(offset, data);
    },
  };
  return { disk, blocks, seen };
}

describe('BlockWorkload', () => {
  it('keeps `concurrency` requests in flight, never two on one block, and verifies every read', async () => {
    const { disk, blocks, seen } = memoryDisk();
    const workload = new BlockWorkload(disk, { regionBlocks: 8, concurrency: 4 });
    const running = workload.run();
    await until(() => workload.snapshot().readsVerified >= 100 && workload.snapshot().writesAcked >= 100);
    await workload.stop();
    await running;

    expect(seen).toMatchObject({ mostInFlight: 4, overlapping: 0 });
    expect(workload.snapshot()).toMatchObject({ verificationFailures: 0, failures: [], retries: 0 });
    expect(new Set(blocks.keys())).toEqual(new Set(workload.acknowledged().keys()));
    for (const [offset, seq] of workload.acknowledged()) expect(writeSeqOf(blocks.get(offset)!, offset)).toBe(seq);
  });

  it('reports a read that does not hold the last acknowledged write: where, what it expected, what it found', async () => {
    // One block; every odd write is acknowledged but lost, so the block still holds the write before.
    const { disk } = memoryDisk({ loses: (seq) => seq !== null && seq % 2 === 1 });
    const workload = new BlockWorkload(disk, { regionBlocks: 1, concurrency: 1 });
    void workload.run();
    await until(() => workload.snapshot().verificationFailures > 0);
    await workload.stop();
    const failure = workload.snapshot().failures[0]!;
    expect(failure.expectedSeq % 2).toBe(1);
    expect(failure).toEqual({ offset: 0, expectedSeq: failure.expectedSeq, foundSeq: failure.expectedSeq - 1 });
  });

  it('counts every acknowledged write in its latency histogram, from send to ack', async () => {
    const { disk } = memoryDisk({ writeDelayMs: 20 });
    const workload = new BlockWorkload(disk, { regionBlocks: 8, concurrency: 2 });
    void workload.run();
    await until(() => workload.snapshot().writesAcked >= 5);
    await workload.stop();
    const { writesAcked, writeLatency } = workload.snapshot();
    expect(writeLatency?.counts.reduce((sum, count) => sum + count, 0)).toBe(writesAcked);
    // Every write waited at least its 20 ms; the percentile is its bucket's upper edge.
    expect(latencyPercentile(writeLatency!, null, 1)).toBeGreaterThanOrEqual(20);
  });

  it('ends the whole load when the disk refuses a request for good', async () => {
    const { disk, seen } = memoryDisk({ refuseAfter: 20 });
    const workload = new BlockWorkload(disk, { regionBlocks: 8, concurrency: 4 });
    await expect(workload.run()).rejects.toMatchObject({ code: 'block-request-out-of-bounds' });
    const requests = seen.requests;
    await sleep(10);
    expect(seen.requests).toBe(requests);
    expect(requests).toBeLessThanOrEqual(20 + 4);
  });
});
