import { describe, expect, it } from 'vitest';
import { BlockRing } from './block-ring.js';
import { BlockErrorCode } from './errors.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('BlockRing', () => {
  it('refuses at once a request beyond its depth, and takes one again when a slot frees', async () => {
    const ring = new BlockRing(2);
    const held = gate();
    const first = ring.submit('a', () => held.opened.then(() => 'a'));
    const second = ring.submit('b', () => held.opened.then(() => 'b'));
    let ran = false;
    await expect(ring.submit('c', async () => (ran = true))).rejects.toMatchObject({ code: BlockErrorCode.ringFull, depth: 2 });
    expect(ran).toBe(false);
    expect(ring.size).toBe(2);
    held.open();
    expect(await Promise.all([first, second])).toEqual(['a', 'b']);
    expect(ring.size).toBe(0);
    expect(await ring.submit('c', async () => 'c')).toBe('c');
  });

  it('runs a request whose id is in flight once: the retry shares its result and takes no slot', async () => {
    const ring = new BlockRing(1);
    const held = gate();
    let runs = 0;
    const work = () => held.opened.then(() => ++runs);
    const original = ring.submit('w1', work);
    const retried = ring.submit('w1', work);
    held.open();
    expect(await Promise.all([original, retried])).toEqual([1, 1]);
    expect(await ring.submit('w1', work)).toBe(2);
  });

  it('frees the slot of a request that failed', async () => {
    const ring = new BlockRing(1);
    await expect(ring.submit('x', async () => Promise.reject(new Error('disk gone')))).rejects.toThrow('disk gone');
    expect(ring.size).toBe(0);
  });

  it('needs a depth of at least 1', () => {
    expect(() => new BlockRing(0)).toThrow(RangeError);
  });
});
