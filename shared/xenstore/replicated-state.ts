import { setTimeout as sleep } from 'node:timers/promises';
import { XoarError } from '../errors/xoar-error.js';
import { InMemoryXenstoreState } from './in-memory-state.js';
import type { StateImage } from './in-memory-state.js';
import type { StoredSession } from './session.js';
import type { BatchOutcome, WriterPosition } from './state-log.js';
import type { CommitOutcome, StateCommit, StoredNode, XenstoreState } from './state.js';

/** XenStore-State as its one writer sees it: take over, then append batches of commits. */
export interface StateWriter {
  takeOver(): Promise<WriterPosition & { image: StateImage }>;
  append(epoch: number, batch: number, commits: readonly StateCommit[]): Promise<BatchOutcome>;
}

export class XenstoreStateDivergedError extends XoarError {
  constructor(reason: string) {
    super('xenstore-state-diverged', `XenStore-State no longer matches this XenStore-Logic instance: ${reason}`, {
      hint: 'the instance must restart and reload the state (the supervisor rolls it back); nothing acknowledged is lost',
    });
  }
}

/** Commits sent to XenStore-State in one batch at most. */
const BATCH_COMMITS_MAX = 64;
const RETRY_DELAY_MS = 20;

/**
 * XenStore-Logic's view of XenStore-State: a mirror in memory, rebuilt from the state at every
 * start, and a pump that sends the mirror's commits to the state in batches. A commit takes
 * effect in the mirror at once, so requests keep flowing while earlier ones are being made
 * durable; `durable()` is what holds a reply back until its commit (and every earlier one) is
 * on XenStore-State's disk. If the state refuses a batch the mirror is wrong: `onDiverged`.
 */
export class ReplicatedXenstoreState implements XenstoreState {
  private readonly pending: StateCommit[] = [];
  private readonly waiters: Array<{ upTo: number; resolve: () => void }> = [];
  private accepted = 0;
  private persisted = 0;
  private pumping = false;

  private constructor(
    private readonly mirror: InMemoryXenstoreState,
    private readonly writer: StateWriter,
    private position: WriterPosition,
    private readonly onDiverged: (error: XenstoreStateDivergedError) => void,
  ) {}

  static async open(writer: StateWriter, onDiverged: (error: XenstoreStateDivergedError) => void): Promise<ReplicatedXenstoreState> {
    const { image, ...position } = await writer.takeOver();
    return new ReplicatedXenstoreState(InMemoryXenstoreState.fromImage(image), writer, position, onDiverged);
  }

  read(path: string): Promise<StoredNode | undefined> {
    return this.mirror.read(path);
  }

  countOwnedBy(domid: number): Promise<number> {
    return this.mirror.countOwnedBy(domid);
  }

  isIntroduced(domid: number): Promise<boolean> {
    return this.mirror.isIntroduced(domid);
  }

  session(id: string): Promise<StoredSession | undefined> {
    return this.mirror.session(id);
  }

  sessions(): Promise<ReadonlyMap<string, StoredSession>> {
    return this.mirror.sessions();
  }

  async commit(commit: StateCommit): Promise<CommitOutcome> {
    const outcome = this.mirror.apply(commit);
    if (outcome.committed) {
      this.pending.push(commit);
      this.accepted++;
      void this.pump();
    }
    return outcome;
  }

  durable(): Promise<void> {
    if (this.persisted >= this.accepted) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ upTo: this.accepted, resolve }));
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    while (this.pending.length > 0) {
      const batch = this.pending.slice(0, BATCH_COMMITS_MAX);
      const outcome = await this.appendUntilAnswered(this.position.batch + 1, batch);
      if (!outcome.accepted) return this.onDiverged(new XenstoreStateDivergedError('another XenStore-Logic instance has taken over'));
      if (outcome.conflicts.length > 0) return this.onDiverged(new XenstoreStateDivergedError(`${outcome.conflicts.length} commit(s) of batch ${this.position.batch + 1} conflict`));
      this.position = { ...this.position, batch: this.position.batch + 1 };
      this.pending.splice(0, batch.length);
      this.persisted += batch.length;
      this.release();
    }
    this.pumping = false;
  }

  /** XenStore-State may be restarting: the same batch is sent again (it is applied once) until it answers. */
  private async appendUntilAnswered(batch: number, commits: readonly StateCommit[]): Promise<BatchOutcome> {
    for (;;) {
      try {
        return await this.writer.append(this.position.epoch, batch, commits);
      } catch {
        await sleep(RETRY_DELAY_MS);
      }
    }
  }

  private release(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i] as { upTo: number; resolve: () => void };
      if (waiter.upTo <= this.persisted) {
        this.waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }
}
