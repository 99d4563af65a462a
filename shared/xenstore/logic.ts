import { XenstoreConnection } from './connection.js';
import type { XenstoreDelegation } from './delegation.js';
import { introduce, isDomainIntroduced, getDomainPath, release, resume, setTarget, SpecialWatchPath } from './domain-operations.js';
import { isRefusal, XsErrno } from './errno.js';
import { XsMessageType } from './message-type.js';
import { directory, directoryPart, getPerms, mkdir, read, rm, setPerms, write } from './node-operations.js';
import type { Operation, OperationSuccess } from './operation.js';
import { baseName, isSpecialPath, parentPath } from './path.js';
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
import { decodeFrame, encodeMessage } from './wire.js';
import type { XsMessage } from './wire.js';
import type { SessionRecord, SessionUpdate } from './session.js';

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
  /** Domains with the control domain's rights on some subtrees (see delegation.ts). */
  readonly delegations?: readonly XenstoreDelegation[];
}

/** Where a request of a bus session sits in its client's stream (see session.ts). */
export interface SessionDelivery {
  /** The request's sequence number in its session, from 1. */
  readonly seq: number;
  /** The client holds every reply up to this sequence number. */
  readonly acked: number;
}

/** A request that raced another writer of the state is run again this many times before EAGAIN. */
const ATTEMPTS_PER_REQUEST = 3;

/**
 * The protocol half of XenStore: path rules, permissions, transactions, watches, quotas and
 * operation dispatch, over a XenstoreState that holds the tree. Requests are handled one at a
 * time, in arrival order, as xenstored does. Per-connection data (watches, open transactions)
 * lives in XenstoreConnection objects; for bus sessions it is also recorded in the state, in
 * the same commit as the request's changes, with the reply: so a new instance takes the
 * sessions over and answers a retried request as the old one did.
 */
export class XenstoreLogic {
  private readonly connections = new Set<XenstoreConnection>();
  private readonly sessions = new Map<string, XenstoreConnection>();
  private readonly inFlightByDomain = new Map<number, number>();
  private readonly operations: ReadonlyMap<number, Operation>;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly state: XenstoreState,
    private readonly quotas: XenstoreQuotas,
    private readonly delegatedPaths: ReadonlyMap<number, readonly string[]>,
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
      [XsMessageType.resume, resume],
      [XsMessageType.setTarget, setTarget],
    ]);
  }

  /**
   * Opens the logic over `state`, creating the root, /tool/xenstored (C xenstored starts with it),
   * the special watch nodes and each delegated path (so that its delegate can create below it)
   * if missing, owned by dom0, and takes over the sessions recorded there.
   */
  static async open(options: XenstoreLogicOptions): Promise<XenstoreLogic> {
    const delegations = options.delegations ?? [];
    const delegatedRoots = delegations.flatMap(({ paths }) => paths.flatMap(pathAndAncestors));
    const basics = ['/', '/tool', '/tool/xenstored', SpecialWatchPath.introduceDomain, SpecialWatchPath.releaseDomain, ...delegatedRoots];
    const view = new TreeView(options.state);
    for (const path of basics) {
      if (await view.read(path)) continue;
      await view.put(path, { value: new Uint8Array(0), perms: [{ domid: PRIVILEGED_DOMID, access: XsAccess.none }], children: [] });
      const parent = path === '/' || isSpecialPath(path) ? undefined : await view.read(parentPath(path));
      if (parent) await view.put(parentPath(path), { ...parent, children: [...parent.children, baseName(path)] });
    }
    await options.state.commit(view.toCommit());
    const delegatedPaths = new Map(delegations.map(({ domid, paths }) => [domid, paths]));
    const logic = new XenstoreLogic(options.state, { ...DEFAULT_XENSTORE_QUOTAS, ...options.quotas }, delegatedPaths);
    for (const [id, session] of await options.state.sessions()) {
      logic.adopt(XenstoreConnection.resume(id, session, () => new TreeView(options.state), logic.delegatedPathsOf(session.domid)));
    }
    return logic;
  }

  connect(domid: number): XenstoreConnection {
    return this.adopt(new XenstoreConnection(domid, undefined, this.delegatedPathsOf(domid)));
  }

  /** The connection of bus session `id`: the one taken over or already open, else a new one. */
  session(id: string, domid: number): XenstoreConnection {
    const existing = this.sessions.get(id);
    if (existing?.domid === domid) return existing;
    return this.adopt(new XenstoreConnection(domid, id, this.delegatedPathsOf(domid)));
  }

  /**
   * One event for every watch of every session taken over: an event the old instance did not
   * get to send is not lost, at worst repeated (watch events may be spurious in XenStore).
   */
  resumedWatchEvents(): WatchDelivery[] {
    return [...this.sessions.values()].flatMap((connection) =>
      connection.watches.map((watch) => ({ connection, message: watchEvent(reportedPath(watch, watch.path), watch.token) })),
    );
  }

  /** The connection is gone: its watches end and its transactions abort (and its session record goes). */
  disconnect(connection: XenstoreConnection): Promise<void> {
    connection.reset();
    this.connections.delete(connection);
    const { sessionId } = connection;
    if (sessionId === undefined) return Promise.resolve();
    this.sessions.delete(sessionId);
    return this.enqueue(async () => {
      await this.state.commit({ expect: [], changes: [], domains: [], sessions: [{ id: sessionId, record: null }] });
    });
  }

  handle(connection: XenstoreConnection, request: XsMessage, delivery?: SessionDelivery): Promise<HandledRequest> {
    const { domid } = connection;
    const inFlight = this.inFlightByDomain.get(domid) ?? 0;
    if (!isPrivileged(domid) && inFlight >= this.quotas.outstandingRequests) return Promise.resolve({ reply: errorReply(request, XsErrno.ENOSPC), events: [] });
    this.inFlightByDomain.set(domid, inFlight + 1);
    const processed = this.enqueue(() => this.process(connection, request, delivery));
    return processed
      .then(async (handled) => {
        await this.state.durable();
        return handled;
      })
      .finally(() => {
        const remaining = (this.inFlightByDomain.get(domid) ?? 1) - 1;
        if (remaining === 0) this.inFlightByDomain.delete(domid);
        else this.inFlightByDomain.set(domid, remaining);
      });
  }

  private delegatedPathsOf(domid: number): readonly string[] {
    return this.delegatedPaths.get(domid) ?? [];
  }

  private adopt(connection: XenstoreConnection): XenstoreConnection {
    this.connections.add(connection);
    if (connection.sessionId !== undefined) this.sessions.set(connection.sessionId, connection);
    return connection;
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const done = this.queue.then(work);
    this.queue = done.catch(() => undefined);
    return done;
  }

  private async process(connection: XenstoreConnection, request: XsMessage, delivery: SessionDelivery | undefined): Promise<HandledRequest> {
    const recorded = await this.recordedReply(connection, delivery);
    if (recorded) return { reply: recorded, events: [] };
    const operation = this.operations.get(request.type);
    if (!operation) return { reply: errorReply(request, XsErrno.ENOSYS), events: [] };
    if (operation.privileged && !isPrivileged(connection.domid)) return { reply: errorReply(request, XsErrno.EACCES), events: [] };
    const transaction = request.txId === 0 || operation.ignoresTransactionId ? undefined : connection.transactions.get(request.txId);
    if (request.txId !== 0 && !operation.ignoresTransactionId && !transaction) return { reply: errorReply(request, XsErrno.ENOENT), events: [] };

    for (let attempt = 1; ; attempt++) {
      const inTransaction = operation.transactional ? transaction : undefined;
      const view = inTransaction?.view ?? new TreeView(this.state);
      const outcome = await operation.run({ connection, request, transaction, view, quotas: this.quotas });
      if (isRefusal(outcome)) return this.answerWithSession(connection, errorReply(request, outcome.refused), delivery);
      const reply = { ...request, payload: outcome.reply };
      const toCommit = outcome.commitTransaction ?? (inTransaction ? undefined : view);
      const record = connection.takeChangedRecord();
      const committed = await this.commit(toCommit, toCommit === outcome.commitTransaction, sessionUpdate(connection, record, reply, delivery));
      if (!committed) {
        if (outcome.commitTransaction) return this.answerWithSession(connection, errorReply(request, XsErrno.EAGAIN), delivery, record);
        if (attempt === ATTEMPTS_PER_REQUEST) return { reply: errorReply(request, XsErrno.EAGAIN), events: [] };
        continue;
      }
      return { reply, events: [...followUpsFor(connection, outcome), ...this.deliveries(toCommit?.triggers ?? [])] };
    }
  }

  /** The reply a previous instance gave to this very request of the session, if it changed the store. */
  private async recordedReply(connection: XenstoreConnection, delivery: SessionDelivery | undefined): Promise<XsMessage | undefined> {
    if (delivery === undefined || connection.sessionId === undefined) return undefined;
    const frame = (await this.state.session(connection.sessionId))?.replies.get(delivery.seq);
    return frame === undefined ? undefined : decodeFrame(frame);
  }

  /** Replies without tree changes, recording the session's change (if any) with the reply. */
  private async answerWithSession(
    connection: XenstoreConnection,
    reply: XsMessage,
    delivery: SessionDelivery | undefined,
    record = connection.takeChangedRecord(),
  ): Promise<HandledRequest> {
    const update = sessionUpdate(connection, record, reply, delivery);
    if (update?.record !== undefined) await this.state.commit({ expect: [], changes: [], domains: [], sessions: [update] });
    return { reply, events: [] };
  }

  /**
   * Commits the view (a transaction's commit checks what it read even if it wrote nothing; a lone
   * read need not) with the session's update. The reply is recorded only with a real change.
   */
  private async commit(view: TreeView | undefined, validateReads: boolean, session: SessionUpdate | undefined): Promise<boolean> {
    const commit = view?.toCommit() ?? { expect: [], changes: [], domains: [] };
    const changesStore = commit.changes.length > 0 || commit.domains.length > 0 || session?.record !== undefined;
    if (!changesStore && !validateReads) return true;
    return (await this.state.commit(changesStore && session ? { ...commit, sessions: [session] } : commit)).committed;
  }

  private deliveries(triggers: readonly WatchTrigger[]): WatchDelivery[] {
    const deliveries: WatchDelivery[] = [];
    for (const trigger of triggers) {
      for (const connection of this.connections) {
        if (!mayNotice(connection, trigger)) continue;
        for (const watch of connection.watches) {
          if (!watchFires(watch, trigger)) continue;
          const message = watchEvent(reportedPath(watch, trigger.path), watch.token);
          if (message.payload.length <= XS_PAYLOAD_MAX) deliveries.push({ connection, message });
        }
      }
    }
    return deliveries;
  }
}

function watchEvent(path: string, token: string): XsMessage {
  return { type: XsMessageType.watchEvent, reqId: 0, txId: 0, payload: nulTerminated([path, token]) };
}

/** What this request changes about a bus session: its record if changed, the reply, the ack. */
function sessionUpdate(connection: XenstoreConnection, record: SessionRecord | undefined, reply: XsMessage, delivery: SessionDelivery | undefined): SessionUpdate | undefined {
  const { sessionId } = connection;
  if (sessionId === undefined) return undefined;
  const recorded = delivery === undefined ? {} : { reply: { seq: delivery.seq, frame: encodeMessage(reply) }, acked: delivery.acked };
  return record === undefined ? { id: sessionId, ...recorded } : { id: sessionId, record, ...recorded };
}

function mayNotice(connection: XenstoreConnection, trigger: WatchTrigger): boolean {
  return connection.controls(trigger.path) || trigger.visibleWith.some((perms) => rightsOf(connection.domid, perms).read);
}

/** "/a/b" → ["/a", "/a/b"]. */
function pathAndAncestors(path: string): string[] {
  const names = path.split('/').filter((name) => name !== '');
  return names.map((_, index) => `/${names.slice(0, index + 1).join('/')}`);
}

function followUpsFor(connection: XenstoreConnection, outcome: OperationSuccess): WatchDelivery[] {
  return (outcome.followUps ?? []).map((message) => ({ connection, message }));
}

/** ERROR reply: req_id and tx_id copied, payload the errno name and a NUL. */
export function errorReply(request: XsMessage, errno: XsErrno): XsMessage {
  return { type: XsMessageType.error, reqId: request.reqId, txId: request.txId, payload: Buffer.from(`${errno}\0`, 'latin1') };
}
