/**
 * The file a block backend keeps a guest's disk in, within its directory: `<guest>.<params>.img`.
 * The builder sets `params` to the disk's vdev. The xen driver hands the same file to blkback.
 */
export function diskImageName(guest: string, params: string): string {
  return `${guest}.${params}.img`;
}
