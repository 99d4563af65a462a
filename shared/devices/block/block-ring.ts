import { BlockRingFullError } from './errors.js';

/**
 * The request ring of one disk: at most `depth` requests in flight. One more is refused at once
 * (BlockRingFullError), never queued, so a front-end that sends too much backs off instead of
 * growing the backend's memory. A request whose id is already in flight (a front-end retrying
 * after a reconnect) shares that run and its result instead of running twice.
 */
export class BlockRing {
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(readonly depth: number) {
    if (!Number.isInteger(depth) || depth < 1) throw new RangeError(`a ring depth must be a whole number of at least 1, not ${depth}`);
  }

  get size(): number {
    return this.inFlight.size;
  }

  submit<T>(id: string, work: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(id);
    if (running !== undefined) return running as Promise<T>;
    if (this.inFlight.size >= this.depth) return Promise.reject(new BlockRingFullError(this.depth));
    const run = new Promise<T>((resolve) => resolve(work())).finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, run);
    return run;
  }
}
