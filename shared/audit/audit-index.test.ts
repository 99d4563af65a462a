import { describe, expect, it } from 'vitest';
import { ChainedLog, at } from '../../test/audit/support/chained-log.js';
import { seededRandom } from '../seeded-random.js';

describe('the audit index', () => {
  it('finds exactly the dependency intervals that overlap a window, skipping blocks that had ended before it', () => {
    const next = seededRandom(11);
    const log = new ChainedLog();
    for (let guest = 0; guest < 700; guest++) {
      const from = Math.floor(next() * 1000);
      const lives = next();
      // Some never end, some end the instant they begin, most live a little while.
      const to = lives < 0.05 ? undefined : lives < 0.1 ? from : from + Math.floor(next() * 60);
      log.relies(`g${guest}`, 'blk', 'device', from, to);
    }
    const index = log.index();
    const all = index.dependencies.get('blk') ?? [];
    for (let query = 0; query < 200; query++) {
      const from = at(Math.floor(next() * 1100)).getTime();
      const to = from + Math.floor(next() * 100_000);
      const expected = all.filter((interval) => interval.from < to && (interval.to ?? Infinity) >= from);
      const found = [...index.dependenciesOverlapping('blk', from, to)].filter((interval) => (interval.to ?? Infinity) >= from);
      expect(found).toEqual(expected);
    }
  });

  it('sees an interval added after its skip list was made', () => {
    const log = new ChainedLog();
    for (let guest = 0; guest < 200; guest++) log.relies(`g${guest}`, 'blk', 'device', guest, guest + 1);
    const index = log.index();
    const overlapping = () => [...index.dependenciesOverlapping('blk', at(500).getTime(), at(600).getTime())].filter((i) => (i.to ?? Infinity) >= at(500).getTime()).map((i) => i.guest);
    expect(overlapping()).toEqual([]);
    const later = new ChainedLog().relies('late', 'blk', 'device', 550).records()[0];
    index.add({ ...later!, n: 999, seq: 999 });
    expect(overlapping()).toEqual(['late']);
  });
});
