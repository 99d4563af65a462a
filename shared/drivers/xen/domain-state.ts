import { statePath } from './identity.js';
import type { XenToolstack } from './toolstack.js';

/**
 * Resolves once the domain's /init reports `wanted` (data/xoar/state); rejects after `timeoutMs`
 * with the error `timedOut` makes of the last state read, and at once with `ended`'s error if
 * `ended` rejects first (the domain is gone). A read that fails is tried again on the next event.
 */
export async function awaitDomainState(
  xen: XenToolstack,
  domid: number,
  wanted: string,
  options: { timeoutMs: number; timedOut: (last: string | undefined) => Error; ended?: Promise<never> },
): Promise<void> {
  const path = statePath(domid);
  let last: string | undefined;
  let reached!: () => void;
  const reachedState = new Promise<void>((resolve) => (reached = resolve));
  const unwatch = await xen.watch(path, () => {
    void xen.read(path).then(
      (state) => {
        last = state;
        if (state === wanted) reached();
      },
      () => undefined,
    );
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(options.timedOut(last)), options.timeoutMs);
  });
  try {
    await Promise.race([reachedState, timedOut, ...(options.ended === undefined ? [] : [options.ended])]);
  } finally {
    clearTimeout(timer);
    await unwatch();
  }
}
