import { describeError } from '../../errors/xoar-error.js';
import type { Logger } from '../../log/logger.js';
import type { InstanceExit } from '../driver.js';
import { exitPath } from './identity.js';
import type { Unwatch, XenToolstack } from './toolstack.js';
import { ShutdownReason } from './xl-list.js';

interface Followed {
  domid: number;
  ending: boolean;
  settle: (exit: InstanceExit) => void;
}

/**
 * Notices when followed domains end, from one XenStore watch on `@releaseDomain` (it fires when
 * any domain shuts down or is destroyed). Domains run without an xl process waiting on them
 * (`-e`), so a domain that shuts down stays, shut down, until the driver has read the exit code
 * its /init left in `data/xoar/exit` and how Xen says it ended; then the driver destroys it.
 */
export class DomainDeaths {
  private readonly followed = new Map<string, Followed>();
  private watching: Promise<Unwatch> | undefined;
  private events = 0;
  private reconciling = false;
  private again = false;

  constructor(
    private readonly xen: XenToolstack,
    private readonly log: Logger,
  ) {}

  /** Watches from now on; resolves once XenStore has the watch. */
  async start(): Promise<void> {
    if (this.watching === undefined) {
      const watching = this.xen.watch('@releaseDomain', () => {
        this.events += 1;
        void this.reconcile();
      });
      // A watch that could not be set is tried again by the next instance.
      watching.catch(() => {
        if (this.watching === watching) this.watching = undefined;
      });
      this.watching = watching;
    }
    await this.watching;
  }

  /** Counts `@releaseDomain` events: take it before creating a domain, and give it to `follow`. */
  epoch(): number {
    return this.events;
  }

  /**
   * Settles when the domain is gone. A domain may end before it is followed: if any domain ended
   * since `since`, the domains are listed again at once.
   */
  follow(name: string, domid: number, since: number): Promise<InstanceExit> {
    const exited = new Promise<InstanceExit>((resolve) => {
      this.followed.set(name, {
        domid,
        ending: false,
        settle: (exit) => {
          this.followed.delete(name);
          resolve(exit);
        },
      });
    });
    if (this.events !== since) void this.reconcile();
    return exited;
  }

  /** The driver destroyed the domain itself. */
  destroyed(name: string): void {
    this.followed.get(name)?.settle({ code: null, signal: null, detail: 'destroyed by the supervisor' });
  }

  async stop(): Promise<void> {
    const watching = this.watching;
    this.watching = undefined;
    await (await watching)?.();
  }

  /** One pass at a time; events during a pass make one more pass. */
  private async reconcile(): Promise<void> {
    if (this.reconciling) {
      this.again = true;
      return;
    }
    this.reconciling = true;
    try {
      do {
        this.again = false;
        await this.reconcileOnce();
      } while (this.again);
    } catch (error) {
      this.log.error('cannot tell which service VM domains ended', { error: describeError(error) });
    } finally {
      this.reconciling = false;
    }
  }

  private async reconcileOnce(): Promise<void> {
    if (this.followed.size === 0) return;
    const domains = await this.xen.list();
    await Promise.all(
      [...this.followed].map(async ([name, followed]) => {
        const domain = domains.find((candidate) => candidate.domid === followed.domid && candidate.name === name);
        if (domain === undefined) return followed.settle({ code: null, signal: null, detail: 'the domain vanished without shutting down' });
        if (domain.shutdown === null || domain.shutdown === undefined || followed.ending) return undefined;
        followed.ending = true;
        try {
          const exit = exitOf(await this.xen.read(exitPath(followed.domid)), domain.shutdown);
          await this.xen.destroy(name);
          return followed.settle(exit);
        } catch (error) {
          followed.ending = false;
          this.log.error('cannot clear away a service VM domain that shut down', { domain: name, error: describeError(error) });
          return undefined;
        }
      }),
    );
  }
}

function exitOf(reported: string | undefined, reason: ShutdownReason): InstanceExit {
  const code = reported !== undefined && /^\d+$/.test(reported.trim()) ? Number(reported) : null;
  if (code !== null && reason === ShutdownReason.poweroff) return { code, signal: null };
  const said = code === null ? 'without reporting an exit code' : `after its service exited with ${code}`;
  return { code, signal: null, detail: `the domain shut down (${reason}) ${said}` };
}
