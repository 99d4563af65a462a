import { isRefusal, refuse, XsErrno } from './errno.js';
import type { Refusal } from './errno.js';
import type { Operation, OperationContext } from './operation.js';
import { OK_REPLY, replyWith } from './operation.js';
import { domainPath } from './path.js';
import { onlyArgument, terminatedStrings } from './payload.js';
import { PRIVILEGED_DOMID } from './permissions.js';
import { TriggerScope } from './tree-view.js';

export const SpecialWatchPath = {
  introduceDomain: '@introduceDomain',
  releaseDomain: '@releaseDomain',
} as const;
export type SpecialWatchPath = (typeof SpecialWatchPath)[keyof typeof SpecialWatchPath];

/** DOMID_FIRST_RESERVED in xen.h: ids from here on (DOMID_SELF, ...) are not real domains. */
const DOMID_FIRST_RESERVED = 0x7ff0;
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

export const isDomainIntroduced: Operation = {
  privileged: true,
  async run({ request, view }) {
    const domid = parseDecimal(onlyArgument(request.payload));
    if (domid === undefined) return refuse(XsErrno.EINVAL);
    const introduced = domid === PRIVILEGED_DOMID || domid === DOMID_SELF || (await view.isIntroduced(domid));
    return replyWith(Buffer.from(introduced ? 'T\0' : 'F\0', 'latin1'));
  },
};
