import { describe, expect, it } from 'vitest';
import { GuestConfigInvalidError } from './errors.js';
import { parseGuestConfig } from './guest-config.js';
import type { GuestConfig } from './guest-config.js';

const valid: GuestConfig = {
  id: 'web',
  domid: 5,
  tenant: 'acme',
  disks: [{ vdev: 'xvda', devid: 51712, backend: 'blk-shared', backendDomid: 2, sizeBytes: 1 << 20 }],
  vifs: [{ mac: '00:16:3e:00:00:05', devid: 0, backend: 'net-shared', backendDomid: 3, rateBitsPerSecond: 100_000_000 }],
  workload: { block: { vdev: 'xvda', regionBlocks: 256, concurrency: 8 }, net: { peerMac: '00:16:3e:00:00:06', intervalMs: 100 } },
};

const problem = (config: unknown) => {
  try {
    parseGuestConfig(config);
  } catch (error) {
    expect(error).toBeInstanceOf(GuestConfigInvalidError);
    return (error as Error).message;
  }
  throw new Error('accepted');
};

describe('parseGuestConfig', () => {
  it('takes a guest config as the supervisor writes it, with or without a workload', () => {
    expect(parseGuestConfig(JSON.parse(JSON.stringify(valid)))).toEqual(valid);
    expect(parseGuestConfig({ ...valid, workload: null }).workload).toBeNull();
    expect(parseGuestConfig({ ...valid, workload: { block: valid.workload?.block } }).workload).toEqual({ block: valid.workload?.block });
  });

  it('names the first field that is wrong', () => {
    expect(problem(null)).toBe('the guest config must be an object');
    expect(problem({ ...valid, domid: -1 })).toBe('the guest config at /domid must be a whole number');
    expect(problem({ ...valid, disks: [{ ...valid.disks[0], backend: '' }] })).toBe('the guest config at /disks/0/backend must be a non-empty string');
    expect(problem({ ...valid, vifs: {} })).toBe('the guest config at /vifs must be a list');
    expect(problem({ ...valid, vifs: [{ ...valid.vifs[0], rateBitsPerSecond: 0 }] })).toBe('the guest config at /vifs/0/rateBitsPerSecond must be at least 1');
    expect(problem({ ...valid, workload: undefined })).toBe('the guest config at /workload must be an object');
  });

  it('refuses a workload the guest cannot run', () => {
    const block = valid.workload!.block!;
    expect(problem({ ...valid, workload: { block: { ...block, vdev: 'xvdb' } } })).toBe('the guest config at /workload/block/vdev names no disk of the guest ("xvdb")');
    expect(problem({ ...valid, workload: { block: { ...block, regionBlocks: 257 } } })).toBe('the guest config at /workload/block/regionBlocks is larger than the 1048576-byte disk');
    expect(problem({ ...valid, workload: { block: { ...block, regionBlocks: 4 } } })).toBe(
      'the guest config at /workload/block/concurrency is more than the blocks in the region: each request in flight has a block of its own',
    );
    expect(problem({ ...valid, workload: { block: { ...block, concurrency: 0 } } })).toBe('the guest config at /workload/block/concurrency must be at least 1');
    expect(problem({ ...valid, vifs: [], workload: { net: valid.workload!.net } })).toBe('the guest config at /workload/net needs a vif: the guest has none');
  });
});
