import { accessNode, nearestExistingAncestor } from './access.js';
import { isSpecialWatchPath } from './domain-operations.js';
import { isRefusal, refuse, XsErrno } from './errno.js';
import type { Refusal } from './errno.js';
import type { Operation, OperationContext, OperationSuccess } from './operation.js';
import { OK_REPLY, replyWith } from './operation.js';
import { baseName, childPath, isSpecialPath, parentPath, resolvePath } from './path.js';
import { nulTerminated, onlyArgument, splitAtFirstNul, terminatedStrings } from './payload.js';
import { formatPermission, isExistingDomain, ownerOf, parsePermission } from './permissions.js';
import type { XsPermission } from './permissions.js';
import type { NodeContent } from './state.js';
import { TriggerScope } from './tree-view.js';
import { XS_PAYLOAD_MAX } from './wire.js';

const EMPTY = new Uint8Array(0);

function resolveArgument(context: OperationContext, requested: string | undefined): string | Refusal {
  if (requested === undefined) return refuse(XsErrno.EINVAL);
  return resolvePath(requested, context.connection.domid, false)?.absolute ?? refuse(XsErrno.EINVAL);
}

/** A reply larger than XENSTORE_PAYLOAD_MAX is E2BIG, as in xenstored (clients then use DIRECTORY_PART). */
function boundedReply(reply: Uint8Array): OperationSuccess | Refusal {
  return reply.length > XS_PAYLOAD_MAX ? refuse(XsErrno.E2BIG) : replyWith(reply);
}

async function readableNode(context: OperationContext): Promise<NodeContent | Refusal> {
  const path = resolveArgument(context, onlyArgument(context.request.payload));
  if (isRefusal(path)) return path;
  return accessNode(context.view, context.connection, path, ['read']);
}

export const directory: Operation = {
  transactional: true,
  async run(context) {
    const node = await readableNode(context);
    return isRefusal(node) ? node : boundedReply(nulTerminated(node.children));
  },
};

/** "<path>\0<offset>\0" → "<generation>\0<children from offset that fit>", plus a NUL when complete. */
export const directoryPart: Operation = {
  transactional: true,
  async run(context) {
    const args = terminatedStrings(context.request.payload);
    if (args.length !== 2) return refuse(XsErrno.EINVAL);
    const path = resolveArgument(context, args[0]);
    if (isRefusal(path)) return path;
    const node = await accessNode(context.view, context.connection, path, ['read']);
    if (isRefusal(node)) return node;
    const generation = Buffer.from(`${await context.view.generationOf(path)}\0`, 'latin1');
    const list = nulTerminated(node.children);
    const offset = Number.parseInt(args[1] ?? '', 10) || 0;
    if (offset >= list.length) return replyWith(Buffer.concat([generation, Buffer.from([0])]));
    const room = XS_PAYLOAD_MAX - generation.length - 1;
    let length = 0;
    while (offset + length < list.length) {
      const nameLength = list.indexOf(0, offset + length) - (offset + length);
      if (length + nameLength >= room) break;
      length += nameLength + 1;
    }
    const complete = offset + length === list.length;
    return replyWith(Buffer.concat([generation, list.subarray(offset, offset + length), Buffer.from(complete ? [0] : [])]));
  },
};

export const read: Operation = {
  transactional: true,
  async run(context) {
    const node = await readableNode(context);
    return isRefusal(node) ? node : replyWith(node.value);
  },
};

/** Special paths (@introduceDomain, ...) are not nodes to GET_PERMS: EINVAL, as xenstored's get_spec_node. */
export const getPerms: Operation = {
  transactional: true,
  async run(context) {
    const node = await readableNode(context);
    return isRefusal(node) ? node : replyWith(nulTerminated(node.perms.map(formatPermission)));
  },
};

/** "<path>\0<value>": the value is raw bytes, not NUL-terminated. Creates missing parents. */
export const write: Operation = {
  transactional: true,
  async run(context) {
    const parts = splitAtFirstNul(context.request.payload);
    if (!parts) return refuse(XsErrno.EINVAL);
    const path = resolveArgument(context, parts.first);
    if (isRefusal(path)) return path;
    const { connection } = context;
    if (!connection.controls(path) && parts.rest.length > context.quotas.valueSize) return refuse(XsErrno.ENOSPC);
    const value = Uint8Array.from(parts.rest);
    const existing = await accessNode(context.view, connection, path, ['write']);
    if (!isRefusal(existing)) {
      await context.view.put(path, { ...existing, value });
      await triggerChange(context, path, existing.perms);
      return replyWith(OK_REPLY);
    }
    if (existing.refused !== XsErrno.ENOENT) return existing;
    const created = await createNode(context, path, value);
    return isRefusal(created) ? created : replyWith(OK_REPLY);
  },
};

export const mkdir: Operation = {
  transactional: true,
  async run(context) {
    const path = resolveArgument(context, onlyArgument(context.request.payload));
    if (isRefusal(path)) return path;
    const existing = await accessNode(context.view, context.connection, path, ['write']);
    if (!isRefusal(existing)) return replyWith(OK_REPLY);
    if (existing.refused !== XsErrno.ENOENT) return existing;
    const created = await createNode(context, path, EMPTY);
    return isRefusal(created) ? created : replyWith(OK_REPLY);
  },
};

/**
 * Creates `path` and its missing ancestors (xenstored's construct_node): each new node inherits
 * its parent's permissions, except that a node an unprivileged domain creates is owned by it
 * (and counts against its quota). Whether the caller acts as the control domain here is decided
 * where the change is made: at the nearest existing ancestor.
 */
async function createNode(context: OperationContext, path: string, value: Uint8Array): Promise<NodeContent | Refusal> {
  const { view, connection, quotas } = context;
  const ancestor = await nearestExistingAncestor(view, path);
  if (!ancestor) return refuse(XsErrno.ENOENT);
  const missing: string[] = [];
  for (let current = path; current !== ancestor.path; current = parentPath(current)) missing.unshift(current);
  const asControl = connection.controls(ancestor.path);
  if (!asControl && (await view.countOwnedBy(connection.domid)) + missing.length > quotas.nodes) return refuse(XsErrno.ENOSPC);
  const [first, ...rest] = ancestor.node.perms;
  const perms: XsPermission[] = first && !asControl ? [{ ...first, domid: connection.domid }, ...rest] : [...ancestor.node.perms];
  await view.put(ancestor.path, { ...ancestor.node, children: [...ancestor.node.children, baseName(missing[0] ?? path)] });
  let node: NodeContent = { value: EMPTY, perms, children: [] };
  for (const [index, current] of missing.entries()) {
    const next = missing[index + 1];
    node = { value: next === undefined ? value : EMPTY, perms, children: next === undefined ? [] : [baseName(next)] };
    await view.put(current, node);
  }
  await triggerChange(context, path, perms);
  return node;
}

/** Records a change of `path` for watchers who may read it (before or after) or its parent. */
async function triggerChange(context: OperationContext, path: string, ...permsSeen: (readonly XsPermission[])[]): Promise<void> {
  const node = await context.view.read(path);
  const parent = path === '/' || isSpecialPath(path) ? undefined : await context.view.read(parentPath(path));
  const visibleWith = [...permsSeen, ...(node ? [node.perms] : []), ...(parent ? [parent.perms] : [])];
  context.view.trigger({ path, scope: TriggerScope.subtree, visibleWith });
}

/** Removes a node and everything below it. A missing node is fine if its parent exists. */
export const rm: Operation = {
  transactional: true,
  async run(context) {
    const path = resolveArgument(context, onlyArgument(context.request.payload));
    if (isRefusal(path)) return path;
    const { view } = context;
    const node = await accessNode(view, context.connection, path, ['write']);
    if (isRefusal(node)) {
      if (node.refused === XsErrno.ENOENT && path !== '/' && (await view.read(parentPath(path)))) return replyWith(OK_REPLY);
      return node;
    }
    if (path === '/') return refuse(XsErrno.EINVAL);
    const parent = await view.read(parentPath(path));
    if (!parent) return refuse(XsErrno.EINVAL);
    await removeSubtree(context, path, node, parent.perms, path);
    await view.put(parentPath(path), { ...parent, children: parent.children.filter((child) => child !== baseName(path)) });
    return replyWith(OK_REPLY);
  },
};

/** Depth first, children before parents, as xenstored fires the removal events. */
async function removeSubtree(context: OperationContext, path: string, node: NodeContent, parentPerms: readonly XsPermission[], root: string): Promise<void> {
  for (const child of node.children) {
    const childNode = await context.view.read(childPath(path, child));
    if (childNode) await removeSubtree(context, childPath(path, child), childNode, node.perms, root);
  }
  context.view.trigger({ path, scope: path === root ? TriggerScope.subtree : TriggerScope.exact, visibleWith: [node.perms, parentPerms] });
  await context.view.delete(path);
}

/**
 * "<path>\0<perm>\0<perm>\0...", checked in xenstored's order: the list's shape (EINVAL), its
 * length (ENOSPC), each entry (EINVAL), then its owner, the first entry, which must be an existing
 * domain (ENOENT); later entries may name any domain and grant nothing while it does not exist.
 * Only the node's owner (or a caller with the control domain's rights on it) may set its
 * permissions, and only the latter may change the owner. The special paths take a permission
 * list too, which says who is told of their events; that change fires no watch.
 */
export const setPerms: Operation = {
  transactional: true,
  async run(context) {
    const [requested, ...texts] = terminatedStrings(context.request.payload);
    if (requested === undefined || texts.length === 0) return refuse(XsErrno.EINVAL);
    const { connection } = context;
    // The length comes before the path's checks, so the quota applies where the path, as named, points.
    const named = resolvePath(requested, connection.domid, true)?.absolute ?? requested;
    if (!connection.controls(named) && texts.length > context.quotas.permissionsPerNode) return refuse(XsErrno.ENOSPC);
    const perms = texts.map(parsePermission);
    if (!perms.every((perm): perm is XsPermission => perm !== undefined)) return refuse(XsErrno.EINVAL);
    if (!isExistingDomain(ownerOf(perms))) return refuse(XsErrno.ENOENT);
    if (isSpecialPath(requested)) return setSpecialPerms(context, requested, perms);
    const path = resolveArgument(context, requested);
    if (isRefusal(path)) return path;
    const node = await accessNode(context.view, connection, path, ['write', 'owner']);
    if (isRefusal(node)) return node;
    if (!connection.controls(path) && ownerOf(perms) !== ownerOf(node.perms)) return refuse(XsErrno.EPERM);
    await context.view.put(path, { ...node, perms });
    await triggerChange(context, path, node.perms);
    return replyWith(OK_REPLY);
  },
};

/** xenstored's set_perms_special: only @introduceDomain and @releaseDomain (EINVAL for other `@` names). */
async function setSpecialPerms(context: OperationContext, path: string, perms: readonly XsPermission[]): Promise<OperationSuccess | Refusal> {
  if (!isSpecialWatchPath(path)) return refuse(XsErrno.EINVAL);
  const node = await accessNode(context.view, context.connection, path, ['write', 'owner']);
  if (isRefusal(node)) return node;
  await context.view.put(path, { ...node, perms });
  return replyWith(OK_REPLY);
}
