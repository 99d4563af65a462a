/**
 * The device id of a whole xvd disk from its name, as Xen encodes it (docs/misc/vbd-interface.txt):
 * disk numbers count xvda, …, xvdz, xvdaa, … from 0; disks up to 15 are `202 << 8 | disk << 4`
 * (xvda = 51712), later ones `1 << 28 | disk << 8`.
 */
export function vbdDevid(vdev: string): number {
  const match = /^xvd([a-z]+)$/.exec(vdev);
  if (!match?.[1]) throw new RangeError(`"${vdev}" is not a whole xvd disk name (xvda, xvdb, …, xvdaa, …)`);
  let disk = 0;
  for (const letter of match[1]) disk = disk * 26 + (letter.charCodeAt(0) - 96);
  disk -= 1;
  if (disk >= 1 << 20) throw new RangeError(`"${vdev}" is beyond the last xvd disk Xen can number`);
  return disk < 16 ? (202 << 8) | (disk << 4) : (1 << 28) | (disk << 8);
}
