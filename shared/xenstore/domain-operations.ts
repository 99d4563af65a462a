import { isRefusal, refuse, XsErrno } from './errno.js';
import type { Refusal } from './errno.js';
import type { Operation, OperationContext } from './operation.js';
import { OK_REPLY, replyWith } from './operation.js';
import { domainPath } from './path.js';
import { onlyArgument, terminatedStrings } from './payload.js';
import { DOMID_FIRST_RESERVED, PRIVILEGED_DOMID } from './permissions.js';
import { TriggerScope } from './tree-view.js';

export const SpecialWatchPath = {
  introduceDomain: '@introduceDomain',
  releaseDomain: '@releaseDomain',
} as const;
export type SpecialWatchPath = (typeof SpecialWatchPath)[keyof typeof SpecialWatchPath];

export function isSpecialWatchPath(path: string): path is SpecialWatchPath {
  return Object.values<string>(SpecialWatchPath).includes(path);
}

const DOMID_SELF = 0x7ff0;

function parseDecimal(text: string | undefined): number | undefined {
  return text !== undefined && /^\d{1,10}$/.test(text) ? Number(text) : undefined;
}

/** A domain id naming a real guest: not dom0 and not a reserved DOMID_... value. */
function guestDomid(text: string | undefined): number | Refusal {
  const domid = parseDecimal(text);
  return domid === undefined || domid === PRIVILEGED_DOMID || domid >= DOMID_FIRST_RESERVED ? refuse(XsErrno.EINVAL) : domid;
}

async function fireSpecial(context: OperationContext, path: SpecialWatchPath): Promise<void> {
  const node = await context.view.read(path);
  context.view.trigger({ path, scope: TriggerScope.exact, visibleWith: node ? [node.perms] : [] });
}

export const getDomainPath: Operation = {
  async run({ request }) {
    const domid = parseDecimal(onlyArgument(request.payload));
    return domid === undefined ? refuse(XsErrno.EINVAL) : replyWith(Buffer.from(`${domainPath(domid)}\0`, 'latin1'));
  },
};

/** "<domid>\0<gfn>\0<evtchn>\0": the store starts serving the domain; fires @introduceDomain the first time. */
export const introduce: Operation = {
  privileged: true,
  async run(context) {
    const [domidText, , portText] = terminatedStrings(context.request.payload);
    const domid = guestDomid(domidText);
    if (isRefusal(domid)) return domid;
    const port = parseDecimal(portText);
    if (port === undefined || port <= 0) return refuse(XsErrno.EINVAL);
    if (!(await context.view.isIntroduced(domid))) {
      context.view.setIntroduced(domid, true);
      await fireSpecial(context, SpecialWatchPath.introduceDomain);
    }
    return replyWith(OK_REPLY);
  },
};

export const release: Operation = {
  privileged: true,
  async run(context) {
    const domid = guestDomid(onlyArgument(context.request.payload));
    if (isRefusal(domid)) return domid;
    if (!(await context.view.isIntroduced(domid))) return refuse(XsErrno.ENOENT);
    context.view.setIntroduced(domid, false);
    await fireSpecial(context, SpecialWatchPath.releaseDomain);
    return replyWith(OK_REPLY);
  },
};

/** xenstored's find_connected_domain: the control domain, or a domain introduced and not released since. */
async function isConnectedDomain(context: OperationContext, domid: number): Promise<boolean> {
  return domid === PRIVILEGED_DOMID || context.view.isIntroduced(domid);
}

/**
 * "<domid>\0": the toolstack resumed a suspended guest. xenstored clears the domain's shutdown
 * flag, which we do not keep; we answer as it does: EINVAL for dom0 or a non-number, ENOENT for
 * a domain not introduced.
 */
export const resume: Operation = {
  privileged: true,
  async run(context) {
    const domid = parseDecimal(onlyArgument(context.request.payload));
    if (domid === undefined || domid === PRIVILEGED_DOMID) return refuse(XsErrno.EINVAL);
    return (await context.view.isIntroduced(domid)) ? replyWith(OK_REPLY) : refuse(XsErrno.ENOENT);
  },
};

/**
 * "<domid>\0<target domid>\0" (further strings ignored): makes a device-model domain act on its
 * guest's nodes with the guest's rights. We check both domains as xenstored does (ENOENT unless
 * each is dom0 or introduced) but do not record the target: no access decision uses one yet.
 */
export const setTarget: Operation = {
  privileged: true,
  async run(context) {
    const [domidText, targetText] = terminatedStrings(context.request.payload);
    if (domidText === undefined || targetText === undefined) return refuse(XsErrno.EINVAL);
    const domid = parseDecimal(domidText);
    const target = parseDecimal(targetText);
    if (domid === undefined || target === undefined) return refuse(XsErrno.EINVAL);
    if (!(await isConnectedDomain(context, domid)) || !(await isConnectedDomain(context, target))) return refuse(XsErrno.ENOENT);
    return replyWith(OK_REPLY);
  },
};

export const isDomainIntroduced: Operation = {
  privileged: true,
  async run({ request, view }) {
    const domid = parseDecimal(onlyArgument(request.payload));
    if (domid === undefined) return refuse(XsErrno.EINVAL);
    const introduced = domid === PRIVILEGED_DOMID || domid === DOMID_SELF || (await view.isIntroduced(domid));
    return replyWith(Buffer.from(introduced ? 'T\0' : 'F\0', 'latin1'));
  },
};
