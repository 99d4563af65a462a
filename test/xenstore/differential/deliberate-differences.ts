import { XsMessageType } from '../../../shared/xenstore/message-type.js';
import type { DialogueRequest, RecordedStep } from './dialogue.js';

/**
 * Where our XenStore deliberately answers differently from Debian's C xenstored 4.17. The
 * differential tests compare everything else byte for byte.
 */

/** A difference in values both servers are free to choose; normalising removes just that from a step. */
export interface NormalisedDifference {
  readonly reason: string;
  normalise(step: RecordedStep): RecordedStep;
}

export const NORMALISED_DIFFERENCES: Readonly<Record<string, NormalisedDifference>> = {
  directoryPartGeneration: {
    reason:
      'DIRECTORY_PART replies start with the node\'s generation count, which only has to change when the children do (clients compare it between ' +
      'pages); C counts every change to the whole store, we count our own way, so the number itself is replaced by "<generation>"',
    normalise: (step) => ({
      ...step,
      received: step.received.map((r) => (r.type === 'directoryPart' ? { ...r, payload: r.payload.replace(/^\d+\0/, '<generation>\0') } : r)),
    }),
  },
  watchEventBeforeOwnReply: {
    reason:
      'when a request fires a watch of the connection that sent it, C queues the WATCH_EVENT before the reply and we send it after; clients ' +
      'tell the two apart by type, so on each connection the events of a step are moved behind its replies (their own order is kept)',
    normalise: (step) => ({ ...step, received: stableSort(step.received, (r) => [r.connection, r.type === 'watchEvent' ? 1 : 0]) }),
  },
  transactionCommitEventOrder: {
    reason:
      'a committed transaction fires the watches of every node it changed; the protocol gives those events no order (C follows its list of ' +
      'accessed nodes, we follow our change set), so within a TRANSACTION_END step each connection\'s events are sorted',
    normalise: (step) =>
      step.label.includes(' transactionEnd ')
        ? { ...step, received: stableSort(step.received, (r) => [r.connection, r.type === 'watchEvent' ? 1 : 0, r.type === 'watchEvent' ? r.payload : '']) }
        : step,
  },
};

export function normalised(steps: readonly RecordedStep[]): RecordedStep[] {
  return steps.map((step) => Object.values(NORMALISED_DIFFERENCES).reduce((current, difference) => difference.normalise(current), step));
}

/** A request both servers answer, with different replies; `c` is absent where C's reply is not defined. */
export interface DivergentReply {
  readonly reason: string;
  /** Requests that set the scene, on the same connection, before `request`. */
  readonly setup?: readonly DialogueRequest[];
  readonly request: DialogueRequest;
  readonly c?: ExpectedReply;
  readonly ours: ExpectedReply;
}

export interface ExpectedReply {
  readonly type: string;
  readonly payload: string;
}

const error = (errno: string): ExpectedReply => ({ type: 'error', payload: `${errno}\0` });
const LENIENT_NUMBERS = 'C reads numbers with atoi/strtol, so junk parses as something ("x" is domain 0, "-1" wraps, " 5" and "+5" are 5); we accept decimal digits only and refuse the rest with EINVAL rather than act on a domain nobody named';

export const DIVERGENT_REPLIES: Readonly<Record<string, DivergentReply>> = {
  domainPathOfJunkDomid: {
    reason: LENIENT_NUMBERS,
    request: { type: XsMessageType.getDomainPath, payload: ['x'] },
    c: { type: 'getDomainPath', payload: '/local/domain/0\0' },
    ours: error('EINVAL'),
  },
  domainPathOfNegativeDomid: {
    reason: LENIENT_NUMBERS,
    request: { type: XsMessageType.getDomainPath, payload: ['-1'] },
    c: { type: 'getDomainPath', payload: '/local/domain/4294967295\0' },
    ours: error('EINVAL'),
  },
  isJunkDomidIntroduced: {
    reason: LENIENT_NUMBERS,
    request: { type: XsMessageType.isDomainIntroduced, payload: ['x'] },
    c: { type: 'isDomainIntroduced', payload: 'T\0' },
    ours: error('EINVAL'),
  },
  introduceJunkDomid: {
    reason: LENIENT_NUMBERS,
    request: { type: XsMessageType.introduce, payload: ['x', '1', '3'] },
    c: { type: 'introduce', payload: 'OK\0' },
    ours: error('EINVAL'),
  },
  permissionWithSignedDomid: {
    reason: LENIENT_NUMBERS,
    setup: [{ type: XsMessageType.write, payload: '/p\0' }],
    request: { type: XsMessageType.setPerms, payload: ['/p', 'n+5'] },
    c: { type: 'setPerms', payload: 'OK\0' },
    ours: error('EINVAL'),
  },
  permissionDomidBeyondCInt: {
    reason: `${LENIENT_NUMBERS}; a permission's id is a C int in xenstored, so 4294967296 wraps to dom0 and C makes dom0 the owner, which we refuse`,
    setup: [{ type: XsMessageType.write, payload: '/p\0' }],
    request: { type: XsMessageType.setPerms, payload: ['/p', 'n4294967296'] },
    c: { type: 'setPerms', payload: 'OK\0' },
    ours: error('EINVAL'),
  },
  permissionWithOctalDomid: {
    reason: `${LENIENT_NUMBERS}; strtol's base 0 also reads a leading 0 as octal, so C takes "r010" for domain 8 where we read domain 10`,
    setup: [
      { type: XsMessageType.write, payload: '/p\0' },
      { type: XsMessageType.setPerms, payload: ['/p', 'n0', 'r010'] },
    ],
    request: { type: XsMessageType.getPerms, payload: ['/p'] },
    c: { type: 'getPerms', payload: 'n0\0r8\0' },
    ours: { type: 'getPerms', payload: 'n0\0r10\0' },
  },
  introduceDomidBeyondRange: {
    reason: 'domain ids are 16 bits; C truncates nothing and introduces "domain 70000", we refuse it with EINVAL',
    request: { type: XsMessageType.introduce, payload: ['70000', '1', '3'] },
    c: { type: 'introduce', payload: 'OK\0' },
    ours: error('EINVAL'),
  },
  introduceControlDomain: {
    reason: 'C lets INTRODUCE name dom0 again to rebind its event channel; our control domain is built in and has no event channel to rebind, so we refuse',
    request: { type: XsMessageType.introduce, payload: ['0', '1', '3'] },
    c: { type: 'introduce', payload: 'OK\0' },
    ours: error('EINVAL'),
  },
  control: {
    reason: "XS_CONTROL is xenstored's private debugging and live-update channel (xenstore-control); its commands are not part of the protocol and we have none",
    request: { type: XsMessageType.control, payload: ['print', 'hello'] },
    c: { type: 'control', payload: 'OK\0' },
    ours: error('ENOSYS'),
  },
  pathWithoutTerminatingNul: {
    reason:
      'a one-path request whose payload is not exactly one NUL-terminated string: C 4.17 returns whatever errno an earlier request left behind ' +
      '(canonicalize(NULL) sets none), and when that is 0 it sends no reply and aborts on assert(conn->in == NULL) in consider_message, ' +
      'so it is not sent to C; we answer EINVAL',
    request: { type: XsMessageType.read, payload: '/p\0extra\0' },
    ours: error('EINVAL'),
  },
};

function stableSort<T>(items: readonly T[], key: (item: T) => readonly (number | string)[]): T[] {
  return items
    .map((item, index) => ({ item, key: [...key(item), index] }))
    .sort((a, b) => {
      for (let i = 0; i < a.key.length; i++) {
        const x = a.key[i] as number | string;
        const y = b.key[i] as number | string;
        if (x !== y) return x < y ? -1 : 1;
      }
      return 0;
    })
    .map(({ item }) => item);
}
