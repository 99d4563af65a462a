/** What a permission entry grants: n(one), r(ead), w(rite), b(oth). */
export const XsAccess = {
  none: 'n',
  read: 'r',
  write: 'w',
  both: 'b',
} as const;
export type XsAccess = (typeof XsAccess)[keyof typeof XsAccess];

export interface XsPermission {
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
const DOMID_MAX = 65535;

export function isPrivileged(domid: number): boolean {
  return domid === PRIVILEGED_DOMID;
}

/** Parses "<n|r|w|b><domid>"; undefined when malformed. */
export function parsePermission(text: string): XsPermission | undefined {
  const match = /^([nrwb])(\d{1,5})$/.exec(text);
  if (!match) return undefined;
  const domid = Number(match[2]);
  if (domid > DOMID_MAX) return undefined;
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
