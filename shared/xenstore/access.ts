import { refuse, XsErrno } from './errno.js';
import type { Refusal } from './errno.js';
import { isSpecialPath, parentPath } from './path.js';
import { rightsOf } from './permissions.js';
import type { XsRights } from './permissions.js';
import type { NodeContent } from './state.js';
import type { TreeView } from './tree-view.js';

export type Right = keyof XsRights;

/**
 * The node at `path` if `domid` holds all `needed` rights on it. Refusals follow xenstored's
 * errno_from_parents: a missing node is ENOENT only to a domain that holds the same rights on its
 * nearest existing ancestor, EACCES to others, so that absence leaks nothing.
 */
export async function accessNode(view: TreeView, domid: number, path: string, needed: readonly Right[]): Promise<NodeContent | Refusal> {
  const node = await view.read(path);
  if (node) return holdsAll(domid, node, needed) ? node : refuse(XsErrno.EACCES);
  if (isSpecialPath(path)) return refuse(XsErrno.ENOENT);
  const ancestor = await nearestExistingAncestor(view, path);
  return ancestor && holdsAll(domid, ancestor.node, needed) ? refuse(XsErrno.ENOENT) : refuse(XsErrno.EACCES);
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

function holdsAll(domid: number, node: NodeContent, needed: readonly Right[]): boolean {
  const rights = rightsOf(domid, node.perms);
  return needed.every((right) => rights[right]);
}
