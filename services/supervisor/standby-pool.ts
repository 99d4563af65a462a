import { setTimeout as sleep } from 'node:timers/promises';
import type { InstanceHandle, ServiceDriver, Snapshot } from '../../shared/drivers/driver.js';
import { XoarError, describeError } from '../../shared/errors/xoar-error.js';
import type { Logger } from '../../shared/log/logger.js';

export class StandbyUnavailableError extends XoarError {
  constructor(id: string, reason: string) {
    super('standby-unavailable', `no warm standby of "${id}" is ready: ${reason}`, {
      hint: `the rollback replaces the instance instead (kill and restore); read the service's log for why its standbys do not start`,
    });
  }
}

export interface StandbyPoolOptions {
  driver: ServiceDriver;
  seedOf(id: string): string;
  /** How long a standby may take from restore to `initialized`. */
  startTimeoutMs: number;
  /** Warm standbys kept for a service (at least 1). */
  sizeOf(id: string): number;
  log: Logger;
}

interface Standby {
  handle: InstanceHandle;
  digest: string;
  ready: boolean;
  /** Settles once the standby is initialised (true) or gone (false). */
  settled: Promise<boolean>;
  settle(ready: boolean): void;
}

interface ServicePool {
  snapshot: Snapshot;
  standbys: Standby[];
  /** Standbys being restored now (their restore call has not returned). */
  restoring: number;
  /** Restores that failed in a row; the pool stops refilling past `MAX_FAILURES`. */
  failures: number;
  lastInstance: number;
}

const MAX_FAILURES = 5;
const RETRY_MS = 200;

/**
 * Warm standbys for make-before-break rollback: for each such service, `size` instances restored
 * from its snapshot that have initialised but serve nothing until activated. `take` hands one
 * over (the rollback activates it); `replenish`, once the switch is over, restores a
 * replacement in the background. Standbys are
 * numbered here, after every number the service used, so reports name them without doubt.
 */
export class StandbyPool {
  private readonly pools = new Map<string, ServicePool>();
  private closed = false;
  /** Restores and destroys under way, so that `close` waits for them (and destroys what restores start); destroying a domain takes seconds. */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: StandbyPoolOptions) {}

  /** A number for an instance started outside the pool: `proposed`, unless the pool used it already. */
  number(id: string, proposed: number): number {
    const pool = this.pools.get(id);
    if (pool === undefined) return proposed;
    pool.lastInstance = Math.max(pool.lastInstance + 1, proposed);
    return pool.lastInstance;
  }

  /** The service has a (new) snapshot: standbys of an older one are destroyed, the pool is filled from this one. */
  prime(id: string, snapshot: Snapshot, lastInstance: number): void {
    if (this.closed) return;
    const pool = this.pools.get(id);
    if (pool === undefined) {
      this.pools.set(id, { snapshot, standbys: [], restoring: 0, failures: 0, lastInstance });
    } else {
      pool.snapshot = snapshot;
      pool.failures = 0;
      const stale = pool.standbys.filter((standby) => standby.digest !== snapshot.digest);
      pool.standbys = pool.standbys.filter((standby) => standby.digest === snapshot.digest);
      for (const standby of stale) void this.destroy(standby);
    }
    this.fill(id);
  }

  /**
   * A ready standby of the service's current snapshot; waits for one being restored, if need be.
   * Aborted (the rollback was given up: the service stops), it takes nothing.
   */
  async take(id: string, signal?: AbortSignal): Promise<InstanceHandle> {
    const pool = this.pools.get(id);
    if (pool === undefined || this.closed) throw new StandbyUnavailableError(id, 'the service has no standby pool');
    const aborted = new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
    for (;;) {
      if (signal?.aborted || this.closed || this.pools.get(id) !== pool) throw new StandbyUnavailableError(id, 'the rollback was given up');
      const ready = pool.standbys.find((standby) => standby.ready);
      if (ready !== undefined) {
        pool.standbys = pool.standbys.filter((standby) => standby !== ready);
        // Not refilled here: restoring a process now would compete with the switch for the CPU.
        // The supervisor calls `replenish` once the service runs again.
        return ready.handle;
      }
      const next = pool.standbys[0];
      if (next === undefined) {
        if (pool.failures >= MAX_FAILURES) throw new StandbyUnavailableError(id, `${pool.failures} standbys in a row failed to start`);
        if (pool.restoring === 0) this.fill(id);
        await Promise.race([sleep(10), aborted]);
        continue;
      }
      await Promise.race([next.settled, aborted]);
      // A standby that did not make it is out of the pool by now, or will be: look again after a turn.
      await sleep(1);
    }
  }

  /** Restores standbys up to the pool's size, in the background (after a rollback). */
  replenish(id: string): void {
    this.fill(id);
  }

  /** A report from an instance: true when it is one of the pool's standbys (and so consumed here). */
  report(id: string, instance: number, kind: string): boolean {
    const standby = this.pools.get(id)?.standbys.find((s) => s.handle.instance === instance);
    if (standby === undefined) return false;
    if (kind === 'initialized' && !standby.ready) {
      standby.ready = true;
      const pool = this.pools.get(id);
      if (pool) pool.failures = 0;
      standby.settle(true);
    }
    return true;
  }

  /** Ready standbys of a service now. */
  readyCount(id: string): number {
    return this.pools.get(id)?.standbys.filter((standby) => standby.ready).length ?? 0;
  }

  /** The service is gone (retired, failed, stopped): its standbys are destroyed. */
  async discard(id: string): Promise<void> {
    const pool = this.pools.get(id);
    this.pools.delete(id);
    await Promise.all((pool?.standbys ?? []).map((standby) => this.destroy(standby)));
  }

  /** Destroys every standby and restores no more. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.pools.keys()].map((id) => this.discard(id)));
    await Promise.all([...this.inFlight]);
  }

  private fill(id: string): void {
    const pool = this.pools.get(id);
    if (pool === undefined || this.closed || pool.failures >= MAX_FAILURES) return;
    for (let missing = this.options.sizeOf(id) - pool.standbys.length - pool.restoring; missing > 0; missing--) {
      this.track(this.restoreOne(id, pool));
    }
  }

  private async restoreOne(id: string, pool: ServicePool): Promise<void> {
    pool.restoring += 1;
    pool.lastInstance += 1;
    const instance = pool.lastInstance;
    const snapshot = pool.snapshot;
    let handle: InstanceHandle;
    try {
      handle = await this.options.driver.restore(snapshot, instance, this.options.seedOf(id), { standby: true });
    } catch (error) {
      pool.restoring -= 1;
      this.failed(id, pool, instance, describeError(error));
      return;
    }
    pool.restoring -= 1;
    let settle!: (ready: boolean) => void;
    const settled = new Promise<boolean>((resolve) => (settle = resolve));
    const standby: Standby = { handle, digest: snapshot.digest, ready: false, settled, settle };
    if (this.closed || this.pools.get(id) !== pool || pool.snapshot.digest !== snapshot.digest) {
      // Closed, discarded or re-primed while it started: never used.
      await this.destroy(standby);
      return;
    }
    pool.standbys.push(standby);
    const deadline = setTimeout(() => {
      if (standby.ready || !pool.standbys.includes(standby)) return;
      void this.destroy(standby);
      this.failed(id, pool, instance, `did not initialise within ${this.options.startTimeoutMs} ms`);
    }, this.options.startTimeoutMs);
    void handle.exited.then((exit) => {
      clearTimeout(deadline);
      const wasReady = standby.ready;
      standby.settle(false);
      if (!pool.standbys.includes(standby)) return; // taken (now the service's own) or discarded
      pool.standbys = pool.standbys.filter((s) => s !== standby);
      this.failed(id, pool, instance, wasReady ? `exited while waiting (${JSON.stringify(exit)})` : `did not initialise (${JSON.stringify(exit)})`);
    });
  }

  private failed(id: string, pool: ServicePool, instance: number, reason: string): void {
    pool.failures += 1;
    this.options.log.warn('a standby failed', { service: id, instance, reason, failures: pool.failures });
    if (pool.failures < MAX_FAILURES) void sleep(RETRY_MS).then(() => this.fill(id));
  }

  private async destroy(standby: Standby): Promise<void> {
    standby.settle(false);
    for (const pool of this.pools.values()) pool.standbys = pool.standbys.filter((s) => s !== standby);
    await this.track(this.options.driver.destroy(standby.handle).catch(() => undefined));
  }

  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
    return work;
  }
}
