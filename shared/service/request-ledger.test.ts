import { describe, expect, it } from 'vitest';
import { subjects } from '../bus/subjects.js';
import { RequestLedger } from './request-ledger.js';

describe('the request ledger', () => {
  it('counts the requests of each sender, named by its private inbox, from the first to the last', () => {
    let now = 1_000;
    const ledger = new RequestLedger(() => now);
    ledger.note({ subject: subjects.rpc('h', 'builder', 'build'), reply: '_INBOX.toolstack.abc.1' });
    now = 1_400;
    ledger.note({ subject: subjects.rpc('h', 'builder', 'build'), reply: '_INBOX.toolstack.abc.2' });
    ledger.note({ subject: subjects.rpc('h', 'builder', 'ping'), reply: '_INBOX.operator.x' });
    expect(ledger.take()).toEqual([
      { from: 'toolstack', first: 1_000, last: 1_400, count: 2 },
      { from: 'operator', first: 1_400, last: 1_400, count: 1 },
    ]);
  });

  it('starts afresh after each report', () => {
    let now = 5;
    const ledger = new RequestLedger(() => now);
    ledger.note({ subject: 'xoar.h.rpc.blk.g.web.vbd.51712', reply: '_INBOX.web.1' });
    ledger.take();
    expect(ledger.take()).toEqual([]);
    now = 9;
    ledger.note({ subject: 'xoar.h.rpc.blk.g.web.vbd.51712', reply: '_INBOX.web.2' });
    expect(ledger.take()).toEqual([{ from: 'web', first: 9, last: 9, count: 1 }]);
  });

  it('takes a message without a reply (a frame) as from the guest its subject names, and ignores what names nobody', () => {
    const ledger = new RequestLedger(() => 7);
    ledger.note({ subject: subjects.rpcForGuest('h', 'net', 'db', 'vif.0'), reply: '' });
    ledger.note({ subject: subjects.rpc('h', 'net', 'ping'), reply: '' });
    ledger.note({ subject: subjects.rpc('h', 'net', 'ping'), reply: 'not-an-inbox.x' });
    expect(ledger.take()).toEqual([{ from: 'db', first: 7, last: 7, count: 1 }]);
  });
});
