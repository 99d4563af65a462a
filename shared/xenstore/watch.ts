import { isSameOrBelow, isSpecialPath } from './path.js';
import { TriggerScope } from './tree-view.js';
import type { WatchTrigger } from './tree-view.js';

export interface XsWatch {
  /** Canonical watched path, or a special name such as @introduceDomain. */
  readonly path: string;
  readonly token: string;
  /** The domain home a relative watch was registered under: its events are reported relative to it. */
  readonly relativeTo: string | undefined;
}

/** Whether a committed change fires this watch (xenstored's fire_watches matching). */
export function watchFires(watch: XsWatch, trigger: WatchTrigger): boolean {
  if (isSpecialPath(trigger.path) || trigger.scope === TriggerScope.exact) return watch.path === trigger.path;
  return isSameOrBelow(trigger.path, watch.path);
}

/** The path a WATCH_EVENT reports: as registered, so relative for relative watches. */
export function reportedPath(watch: XsWatch, path: string): string {
  if (watch.relativeTo === undefined) return path;
  const below = path.slice(watch.relativeTo.length);
  return below.startsWith('/') ? below.slice(1) : below;
}
