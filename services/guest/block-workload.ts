import { WORKLOAD_BLOCK_BYTES } from '../../shared/guest/guest-config.js';
import type { BlockWorkload as BlockWorkloadConfig } from '../../shared/guest/guest-config.js';
import { MAX_REPORTED_FAILURES, emptyLatencyHistogram, recordLatency } from '../../shared/guest/guest-report.js';
import type { BlockWorkloadCounters, LatencyHistogram } from '../../shared/guest/guest-report.js';
import type { BlockClient } from './block-client.js';
import { blockContent, writeSeqOf } from './block-pattern.js';

/** What the workload needs of a disk. */
export type WorkloadDisk = Pick<BlockClient, 'read' | 'write' | 'retries'>;

/**
 * A file-system-like load on one disk: `concurrency` workers, each writing or reading one 4 KiB
 * block at a time, chosen at random in the region, never one another worker is using (so writes to
 * a block never overlap, and a read sees its last acknowledged write). Each write carries a new
 * sequence number; each read is checked against the last acknowledged write to its block, or zeros.
 * Each acknowledged write's latency (send to ack, retries included) is counted in a histogram.
 */
export class BlockWorkload {
  private readonly counters: Omit<BlockWorkloadCounters, 'retries' | 'writeLatency'> & { writeLatency: LatencyHistogram } = {
    writesAcked: 0,
    readsVerified: 0,
    verificationFailures: 0,
    failures: [],
    writeLatency: emptyLatencyHistogram(),
  };
  /** The sequence of the last acknowledged write, by block offset. */
  private readonly acked = new Map<number, number>();
  private readonly busy = new Set<number>();
  private lastSeq = 0;
  private stopping = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly disk: WorkloadDisk,
    private readonly config: Pick<BlockWorkloadConfig, 'regionBlocks' | 'concurrency'>,
  ) {}

  /** Runs until stopped; stops and rejects if the disk refuses a request for good. */
  run(): Promise<void> {
    this.running ??= Promise.all(Array.from({ length: this.config.concurrency }, () => this.worker())).then(() => undefined);
    return this.running;
  }

  /** Lets every worker finish the request it has in flight, then resolves. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running?.catch(() => undefined);
  }

  snapshot(): BlockWorkloadCounters {
    const writeLatency = { ...this.counters.writeLatency, counts: [...this.counters.writeLatency.counts] };
    return { ...this.counters, failures: [...this.counters.failures], retries: this.disk.retries, writeLatency };
  }

  /** Every block written and acknowledged, with the sequence of its last write: what the disk must hold. */
  acknowledged(): ReadonlyMap<number, number> {
    return this.acked;
  }

  private async worker(): Promise<void> {
    while (!this.stopping) {
      const offset = this.takeBlock();
      try {
        if (Math.random() < 0.5) await this.write(offset);
        else await this.read(offset);
      } catch (error) {
        if (this.stopping) return;
        // A request refused for good: the whole load ends, not just this worker.
        this.stopping = true;
        throw error;
      } finally {
        this.busy.delete(offset);
      }
    }
  }

  private async write(offset: number): Promise<void> {
    const seq = ++this.lastSeq;
    const sent = performance.now();
    await this.disk.write(offset, blockContent(offset, seq));
    recordLatency(this.counters.writeLatency, performance.now() - sent);
    this.acked.set(offset, seq);
    this.counters.writesAcked++;
  }

  private async read(offset: number): Promise<void> {
    const data = await this.disk.read(offset, WORKLOAD_BLOCK_BYTES);
    const expectedSeq = this.acked.get(offset) ?? 0;
    const foundSeq = writeSeqOf(data, offset);
    if (foundSeq === expectedSeq) {
      this.counters.readsVerified++;
      return;
    }
    this.counters.verificationFailures++;
    if (this.counters.failures.length < MAX_REPORTED_FAILURES) this.counters.failures.push({ offset, expectedSeq, foundSeq });
  }

  /** A random block no other worker is using (there are at least as many blocks as workers). */
  private takeBlock(): number {
    let index = Math.floor(Math.random() * this.config.regionBlocks);
    while (this.busy.has(index * WORKLOAD_BLOCK_BYTES)) index = (index + 1) % this.config.regionBlocks;
    const offset = index * WORKLOAD_BLOCK_BYTES;
    this.busy.add(offset);
    return offset;
  }
}
