import { refuse, XsErrno } from './errno.js';
import type { Refusal } from './errno.js';
import { isSpecialPath, parentPath } from './path.js';
import { rightsOf } from './permissions.js';
import type { XsRights } from './permissions.js';
import type { NodeContent } from './state.js';
import type { TreeView } from './tree-view.js';

export type Right = keyof XsRights;

/** Who asks, as the permission checks see it (a XenstoreConnection). */
export interface Caller {
  readonly domid: number;
  /** Whether it has the control domain's rights on the node at `path`. */
  controls(path: string): boolean;
}

/**
 * The node at `path` if the caller holds all `needed` rights on it. Refusals follow xenstored's
 * errno_from_parents: a missing node is ENOENT only to a caller that holds the same rights on its
 * nearest existing ancestor, EACCES to others, so that absence leaks nothing.
 */
export async function accessNode(view: TreeView, caller: Caller, path: string, needed: readonly Right[]): Promise<NodeContent | Refusal> {
  const node = await view.read(path);
  if (node) return holdsAll(caller, path, node, needed) ? node : refuse(XsErrno.EACCES);
  if (isSpecialPath(path)) return refuse(XsErrno.ENOENT);
  const ancestor = await nearestExistingAncestor(view, path);
  return ancestor && holdsAll(caller, ancestor.path, ancestor.node, needed) ? refuse(XsErrno.ENOENT) : refuse(XsErrno.EACCES);
}

export async function nearestExistingAncestor(view: TreeView, path: string): Promise<{ path: string; node: NodeContent } | undefined> {
  let current = path;
  while (current !== '/') {
    current = parentPath(current);
    const node = await view.read(current);
    if (node) return { path: current, node };
  }
  return undefined;
}

function holdsAll(caller: Caller, path: string, node: NodeContent, needed: readonly Right[]): boolean {
  if (caller.controls(path)) return true;
  const rights = rightsOf(caller.domid, node.perms);
  return needed.every((right) => rights[right]);
}
