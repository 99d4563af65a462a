/**
 * The errno names a XenStore error reply may carry (`xsd_errors` in Xen's io/xs_wire.h). The
 * name travels as text, e.g. "ENOENT\0".
 */
export const XsErrno = {
  EINVAL: 'EINVAL',
  EACCES: 'EACCES',
  EEXIST: 'EEXIST',
  EISDIR: 'EISDIR',
  ENOENT: 'ENOENT',
  ENOMEM: 'ENOMEM',
  ENOSPC: 'ENOSPC',
  EIO: 'EIO',
  ENOTEMPTY: 'ENOTEMPTY',
  ENOSYS: 'ENOSYS',
  EROFS: 'EROFS',
  EBUSY: 'EBUSY',
  EAGAIN: 'EAGAIN',
  EISCONN: 'EISCONN',
  E2BIG: 'E2BIG',
  EPERM: 'EPERM',
} as const;
export type XsErrno = (typeof XsErrno)[keyof typeof XsErrno];

/** A request the store turns down; it becomes an ERROR reply, never an exception. */
export interface Refusal {
  readonly refused: XsErrno;
}

export function refuse(errno: XsErrno): Refusal {
  return { refused: errno };
}

export function isRefusal(value: unknown): value is Refusal {
  return typeof value === 'object' && value !== null && 'refused' in value;
}
