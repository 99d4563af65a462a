/** What a permission entry grants: n(one), r(ead), w(rite), b(oth). */
export const XsAccess = {
  none: 'n',
  read: 'r',
  write: 'w',
  both: 'b',
} as const;
export type XsAccess = (typeof XsAccess)[keyof typeof XsAccess];

export interface XsPermission {
  /** As the entry names it; only the owner's must be an existing domain (an entry naming none grants nothing). */
  readonly domid: number;
  readonly access: XsAccess;
}

/** What a domain may do on a node. `owner` implies read and write. */
export interface XsRights {
  readonly read: boolean;
  readonly write: boolean;
  readonly owner: boolean;
}

/** The control domain: privileged, bypasses every permission check and quota. */
export const PRIVILEGED_DOMID = 0;
/** DOMID_FIRST_RESERVED in xen.h: ids from here on (DOMID_SELF, ...) name no real domain. */
export const DOMID_FIRST_RESERVED = 0x7ff0;
/** xenstored keeps a permission's domain id as a C int: wider numbers would wrap onto another domain. */
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

export function isPrivileged(domid: number): boolean {
  return domid === PRIVILEGED_DOMID;
}

/**
 * Whether `domid` names a domain that may exist. xenstored asks the hypervisor; we have none to
 * ask, so, like the hypervisor shim the differential tests run C xenstored with, every id below
 * DOMID_FIRST_RESERVED counts as an existing domain, introduced or not.
 */
export function isExistingDomain(domid: number): boolean {
  return domid >= 0 && domid < DOMID_FIRST_RESERVED;
}

/**
 * Parses "<n|r|w|b><domid>": a decimal id that fits a C int, which may name no existing domain
 * ("r-5", "r70000": SET_PERMS decides what that means); undefined when malformed.
 */
export function parsePermission(text: string): XsPermission | undefined {
  const match = /^([nrwb])(-?\d{1,10})$/.exec(text);
  if (!match) return undefined;
  const domid = Number(match[2]) + 0; // + 0 makes "-0" plain 0
  if (domid < INT32_MIN || domid > INT32_MAX) return undefined;
  return { access: match[1] as XsAccess, domid };
}

export function formatPermission(permission: XsPermission): string {
  return `${permission.access}${permission.domid}`;
}

/** The owner of a node: its first entry's domain. */
export function ownerOf(perms: readonly XsPermission[]): number {
  return perms[0]?.domid ?? PRIVILEGED_DOMID;
}

/**
 * xenstored's perm_for_conn: the privileged domain and the owner (first entry) get everything;
 * another domain gets its own entry if one is listed after the first, else the first entry's access.
 */
export function rightsOf(domid: number, perms: readonly XsPermission[]): XsRights {
  const [first, ...others] = perms;
  if (isPrivileged(domid) || first?.domid === domid) return { read: true, write: true, owner: true };
  if (first === undefined) return { read: false, write: false, owner: false };
  const access = (others.find((entry) => entry.domid === domid) ?? first).access;
  return { read: access === XsAccess.read || access === XsAccess.both, write: access === XsAccess.write || access === XsAccess.both, owner: false };
}
