import { describe, expect, it } from 'vitest';
import { vbdDevid } from './vbd-devid.js';

describe('vbdDevid', () => {
  it.each([
    ['xvda', 51712],
    ['xvdb', 51728],
    ['xvdp', 51952],
    ['xvdq', (1 << 28) | (16 << 8)],
    ['xvdz', (1 << 28) | (25 << 8)],
    ['xvdaa', (1 << 28) | (26 << 8)],
    ['xvdtq', (1 << 28) | (536 << 8)],
  ])('numbers %s as %i', (vdev, devid) => {
    expect(vbdDevid(vdev)).toBe(devid);
  });

  it.each(['sda', 'xvd', 'xvda1', 'xvdA', 'xvdzzzzz'])('refuses %s', (vdev) => {
    expect(() => vbdDevid(vdev)).toThrow(RangeError);
  });
});
