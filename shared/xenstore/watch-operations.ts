import { isRefusal, refuse, XsErrno } from './errno.js';
import type { Operation } from './operation.js';
import { OK_REPLY, replyWith } from './operation.js';
import { resolvePath } from './path.js';
import type { ResolvedPath } from './path.js';
import { nulTerminated, terminatedStrings } from './payload.js';
import { isPrivileged } from './permissions.js';
import { XsMessageType } from './message-type.js';
import { reportedPath } from './watch.js';
import type { Refusal } from './errno.js';
import type { OperationContext } from './operation.js';

/**
 * "<path>\0<token>\0", for WATCH and UNWATCH: exactly two strings (xenstored counts them with
 * get_strings, so a third is EINVAL; bytes after the last NUL are not a string and are ignored).
 */
function watchArguments(context: OperationContext): { resolved: ResolvedPath; token: string } | Refusal {
  const args = terminatedStrings(context.request.payload);
  const [requested, token] = args;
  if (args.length !== 2 || requested === undefined || token === undefined) return refuse(XsErrno.EINVAL);
  const resolved = resolvePath(requested, context.connection.domid, true);
  return resolved ? { resolved, token } : refuse(XsErrno.EINVAL);
}

/** Adds a watch and fires it once straight away, after the OK. */
export const watch: Operation = {
  ignoresTransactionId: true,
  async run(context) {
    const args = watchArguments(context);
    if (isRefusal(args)) return args;
    const { connection, quotas } = context;
    const path = args.resolved.absolute;
    if (connection.watches.some((existing) => existing.path === path && existing.token === args.token)) return refuse(XsErrno.EEXIST);
    if (!isPrivileged(connection.domid) && connection.watches.length >= quotas.watches) return refuse(XsErrno.E2BIG);
    const added = { path, token: args.token, relativeTo: args.resolved.relativeTo };
    connection.addWatch(added);
    const firstEvent = { type: XsMessageType.watchEvent, reqId: 0, txId: 0, payload: nulTerminated([reportedPath(added, path), added.token]) };
    return { reply: OK_REPLY, followUps: [firstEvent] };
  },
};

export const unwatch: Operation = {
  ignoresTransactionId: true,
  async run(context) {
    const args = watchArguments(context);
    if (isRefusal(args)) return args;
    const { connection } = context;
    const index = connection.watches.findIndex((existing) => existing.path === args.resolved.absolute && existing.token === args.token);
    if (index < 0) return refuse(XsErrno.ENOENT);
    connection.removeWatch(index);
    return replyWith(OK_REPLY);
  },
};

/** Drops all the caller's watches and transactions. */
export const resetWatches: Operation = {
  async run(context) {
    context.connection.reset();
    return replyWith(OK_REPLY);
  },
};
