import { refuse, XsErrno } from './errno.js';
import type { Operation } from './operation.js';
import { OK_REPLY, replyWith } from './operation.js';
import { onlyArgument } from './payload.js';
import { isPrivileged } from './permissions.js';
import type { XenstoreState } from './state.js';
import { TreeView } from './tree-view.js';

/** Replies with the new transaction's id in decimal, NUL-terminated. Not nestable (EBUSY). */
export function transactionStart(state: XenstoreState): Operation {
  return {
    async run({ connection, request, quotas }) {
      if (request.txId !== 0) return refuse(XsErrno.EBUSY);
      if (!isPrivileged(connection.domid) && connection.transactions.size >= quotas.transactions) return refuse(XsErrno.ENOSPC);
      const id = connection.openTransaction(new TreeView(state));
      return replyWith(Buffer.from(`${id}\0`, 'latin1'));
    },
  };
}

/** "T\0" commits (EAGAIN if a node it read or wrote changed meanwhile), "F\0" aborts. */
export const transactionEnd: Operation = {
  async run({ connection, request, transaction }) {
    const verdict = onlyArgument(request.payload);
    if (verdict !== 'T' && verdict !== 'F') return refuse(XsErrno.EINVAL);
    if (!transaction) return refuse(XsErrno.ENOENT);
    connection.endTransaction(transaction.id);
    if (transaction.doomed) return refuse(XsErrno.EAGAIN);
    return verdict === 'T' ? { reply: OK_REPLY, commitTransaction: transaction.view } : replyWith(OK_REPLY);
  },
};
