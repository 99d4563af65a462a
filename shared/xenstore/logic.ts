import { XenstoreConnection } from './connection.js';
import { introduce, isDomainIntroduced, getDomainPath, release, SpecialWatchPath } from './domain-operations.js';
import { isRefusal, XsErrno } from './errno.js';
import { XsMessageType } from './message-type.js';
import { directory, directoryPart, getPerms, mkdir, read, rm, setPerms, write } from './node-operations.js';
import type { Operation, OperationSuccess } from './operation.js';
import { nulTerminated } from './payload.js';
import { isPrivileged, PRIVILEGED_DOMID, rightsOf, XsAccess } from './permissions.js';
import { DEFAULT_XENSTORE_QUOTAS } from './quotas.js';
import type { XenstoreQuotas } from './quotas.js';
import type { XenstoreState } from './state.js';
import { transactionEnd, transactionStart } from './transaction-operations.js';
import { TreeView } from './tree-view.js';
import type { WatchTrigger } from './tree-view.js';
import { reportedPath, watchFires } from './watch.js';
import { resetWatches, unwatch, watch } from './watch-operations.js';
import { XS_PAYLOAD_MAX } from './wire.js';
import type { XsMessage } from './wire.js';

export interface WatchDelivery {
  readonly connection: XenstoreConnection;
  readonly message: XsMessage;
}

export interface HandledRequest {
  /** The reply to the request: same type, req_id and tx_id, or type ERROR with "E...\0". */
  readonly reply: XsMessage;
  /** WATCH_EVENTs to send after the reply, to the caller or to other connections. */
  readonly events: readonly WatchDelivery[];
}

export interface XenstoreLogicOptions {
  readonly state: XenstoreState;
  readonly quotas?: Partial<XenstoreQuotas>;
}

/** A request that raced another writer of the state is run again this many times before EAGAIN. */
const ATTEMPTS_PER_REQUEST = 3;

/**
 * The protocol half of XenStore: path rules, permissions, transactions, watches, quotas and
 * operation dispatch, over a XenstoreState that holds the tree. Requests are handled one at a
 * time, in arrival order, as xenstored does. Per-connection data (watches, open transactions)
 * lives in XenstoreConnection objects; nothing else survives between requests.
 */
export class XenstoreLogic {
  private readonly connections = new Set<XenstoreConnection>();
  private readonly inFlightByDomain = new Map<number, number>();
  private readonly operations: ReadonlyMap<number, Operation>;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly state: XenstoreState,
    private readonly quotas: XenstoreQuotas,
  ) {
    this.operations = new Map<number, Operation>([
      [XsMessageType.directory, directory],
      [XsMessageType.directoryPart, directoryPart],
      [XsMessageType.read, read],
      [XsMessageType.getPerms, getPerms],
      [XsMessageType.write, write],
      [XsMessageType.mkdir, mkdir],
      [XsMessageType.rm, rm],
      [XsMessageType.setPerms, setPerms],
      [XsMessageType.watch, watch],
      [XsMessageType.unwatch, unwatch],
      [XsMessageType.resetWatches, resetWatches],
      [XsMessageType.transactionStart, transactionStart(state)],
      [XsMessageType.transactionEnd, transactionEnd],
      [XsMessageType.getDomainPath, getDomainPath],
      [XsMessageType.introduce, introduce],
      [XsMessageType.release, release],
      [XsMessageType.isDomainIntroduced, isDomainIntroduced],
    ]);
  }

  /** Opens the logic over `state`, creating the root and the special watch nodes if missing. */
  static async open(options: XenstoreLogicOptions): Promise<XenstoreLogic> {
    const basics = ['/', SpecialWatchPath.introduceDomain, SpecialWatchPath.releaseDomain];
    const view = new TreeView(options.state);
    for (const path of basics) {
      if (!(await view.read(path))) await view.put(path, { value: new Uint8Array(0), perms: [{ domid: PRIVILEGED_DOMID, access: XsAccess.none }], children: [] });
    }
    await options.state.commit(view.toCommit());
    return new XenstoreLogic(options.state, { ...DEFAULT_XENSTORE_QUOTAS, ...options.quotas });
  }

  connect(domid: number): XenstoreConnection {
    const connection = new XenstoreConnection(domid);
    this.connections.add(connection);
    return connection;
  }

  /** The connection is gone: its watches end and its transactions abort. */
  disconnect(connection: XenstoreConnection): void {
    connection.reset();
    this.connections.delete(connection);
  }

  handle(connection: XenstoreConnection, request: XsMessage): Promise<HandledRequest> {
    const { domid } = connection;
    const inFlight = this.inFlightByDomain.get(domid) ?? 0;
    if (!isPrivileged(domid) && inFlight >= this.quotas.outstandingRequests) return Promise.resolve({ reply: errorReply(request, XsErrno.ENOSPC), events: [] });
    this.inFlightByDomain.set(domid, inFlight + 1);
    const handled = this.queue.then(() => this.process(connection, request));
    this.queue = handled.catch(() => undefined);
    return handled.finally(() => {
      const remaining = (this.inFlightByDomain.get(domid) ?? 1) - 1;
      if (remaining === 0) this.inFlightByDomain.delete(domid);
      else this.inFlightByDomain.set(domid, remaining);
    });
  }

  private async process(connection: XenstoreConnection, request: XsMessage): Promise<HandledRequest> {
    const operation = this.operations.get(request.type);
    if (!operation) return { reply: errorReply(request, XsErrno.ENOSYS), events: [] };
    if (operation.privileged && !isPrivileged(connection.domid)) return { reply: errorReply(request, XsErrno.EACCES), events: [] };
    const transaction = request.txId === 0 || operation.ignoresTransactionId ? undefined : connection.transactions.get(request.txId);
    if (request.txId !== 0 && !operation.ignoresTransactionId && !transaction) return { reply: errorReply(request, XsErrno.ENOENT), events: [] };

    for (let attempt = 1; ; attempt++) {
      const inTransaction = operation.transactional ? transaction : undefined;
      const view = inTransaction?.view ?? new TreeView(this.state);
      const outcome = await operation.run({ connection, request, transaction, view, quotas: this.quotas });
      if (isRefusal(outcome)) return { reply: errorReply(request, outcome.refused), events: [] };
      const toCommit = outcome.commitTransaction ?? (inTransaction ? undefined : view);
      if (toCommit && !(await this.commit(toCommit, toCommit === outcome.commitTransaction))) {
        if (outcome.commitTransaction || attempt === ATTEMPTS_PER_REQUEST) return { reply: errorReply(request, XsErrno.EAGAIN), events: [] };
        continue;
      }
      return { reply: { ...request, payload: outcome.reply }, events: [...followUpsFor(connection, outcome), ...this.deliveries(toCommit?.triggers ?? [])] };
    }
  }

  /** A transaction's commit checks what it read even if it wrote nothing; a lone read need not. */
  private async commit(view: TreeView, validateReads: boolean): Promise<boolean> {
    const commit = view.toCommit();
    if (!validateReads && commit.changes.length === 0 && commit.domains.length === 0) return true;
    return (await this.state.commit(commit)).committed;
  }

  private deliveries(triggers: readonly WatchTrigger[]): WatchDelivery[] {
    const deliveries: WatchDelivery[] = [];
    for (const trigger of triggers) {
      for (const connection of this.connections) {
        if (!mayNotice(connection.domid, trigger)) continue;
        for (const watch of connection.watches) {
          if (!watchFires(watch, trigger)) continue;
          const payload = nulTerminated([reportedPath(watch, trigger.path), watch.token]);
          if (payload.length <= XS_PAYLOAD_MAX) deliveries.push({ connection, message: { type: XsMessageType.watchEvent, reqId: 0, txId: 0, payload } });
        }
      }
    }
    return deliveries;
  }
}

function mayNotice(domid: number, trigger: WatchTrigger): boolean {
  return isPrivileged(domid) || trigger.visibleWith.some((perms) => rightsOf(domid, perms).read);
}

function followUpsFor(connection: XenstoreConnection, outcome: OperationSuccess): WatchDelivery[] {
  return (outcome.followUps ?? []).map((message) => ({ connection, message }));
}

/** ERROR reply: req_id and tx_id copied, payload the errno name and a NUL. */
export function errorReply(request: XsMessage, errno: XsErrno): XsMessage {
  return { type: XsMessageType.error, reqId: request.reqId, txId: request.txId, payload: Buffer.from(`${errno}\0`, 'latin1') };
}
