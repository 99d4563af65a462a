import { describe, expect, it } from 'vitest';
import { RECOVERY_BOX_MAX_BYTES, RecoveryBoxRejectedError, checkRecoveryBox, declaresRecoveryBox } from './recovery-box.js';

describe('recovery box', () => {
  it('accepts a block backend open-device table', () => {
    const box = { v: 1, open: [{ device: '0000:00:04.0', guest: 'guest-a' }] };
    expect(checkRecoveryBox('blk', 'block', box)).toEqual(box);
    expect(declaresRecoveryBox('block')).toBe(true);
    expect(declaresRecoveryBox('builder')).toBe(false);
  });

  it.each([
    ['a string', 'rm -rf /'],
    ['an unknown field', { v: 1, open: [], exploit: true }],
    ['a wrong version', { v: 2, open: [] }],
    ['an entry with a path in it', { v: 1, open: [{ device: '../../etc/passwd', guest: 'g' }] }],
  ])('rejects %s, naming the problem', (_what, box) => {
    expect(() => checkRecoveryBox('blk', 'block', box)).toThrow(RecoveryBoxRejectedError);
  });

  it('rejects a box larger than the limit', () => {
    const box = { v: 1, open: Array.from({ length: 60 }, () => ({ device: 'd'.repeat(64), guest: 'g'.repeat(64) })) };
    expect(JSON.stringify(box).length).toBeGreaterThan(RECOVERY_BOX_MAX_BYTES);
    expect(() => checkRecoveryBox('blk', 'block', box)).toThrow(/bytes, more than 4096/);
  });

  it('rejects any box for a role that declares none', () => {
    try {
      checkRecoveryBox('builder', 'builder', {});
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'recovery-box-rejected', problems: ['role builder declares no recovery box'] });
    }
  });
});
