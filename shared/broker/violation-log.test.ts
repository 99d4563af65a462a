import { describe, expect, it } from 'vitest';
import { parseViolation } from './violation-log.js';

const NKEY = 'UDKIWB2KNDWIFW2X5UW2XHKRP3SWHZL2KHUOQRXLS6JZIO2F6LWZBVHW';

describe('parseViolation', () => {
  it('reads a publish violation by an nkey user, with the log time stamp', () => {
    const line = `[5091] 2026/11/23 05:32:40.980494 [ERR] 127.0.0.1:49698 - cid:9 - "v3.4.0:nats.js" - Publish Violation - Nkey "${NKEY}", Subject "svc.b.x"`;
    expect(parseViolation(line)).toEqual({
      operation: 'publish',
      nkey: NKEY,
      user: undefined,
      subject: 'svc.b.x',
      clientId: 9,
      remoteAddress: '127.0.0.1:49698',
      at: new Date(2026, 10, 23, 5, 32, 40, 980),
    });
  });

  it('reads a subscription violation', () => {
    const line = `[5091] 2026/11/23 05:32:40.980576 [ERR] 127.0.0.1:49698 - cid:9 - "v3.4.0:nats.js" - Subscription Violation - Nkey "${NKEY}", Subject "svc.b.>", SID 1`;
    expect(parseViolation(line)).toMatchObject({ operation: 'subscribe', nkey: NKEY, subject: 'svc.b.>', clientId: 9 });
  });

  it('reads the User form of plain users', () => {
    const line = '[6842] 2026/11/23 05:36:41.029349 [ERR] 127.0.0.1:56136 - cid:4 - "v3.4.0:nats.js" - Publish Violation - User "a", Subject "y.z"';
    expect(parseViolation(line)).toMatchObject({ operation: 'publish', nkey: undefined, user: 'a', subject: 'y.z', clientId: 4 });
  });

  it('reads a line from a client that sent no name', () => {
    const line = `[7] 2026/11/23 05:32:40.980494 [ERR] [::1]:50000 - cid:12 - Publish Violation - Nkey "${NKEY}", Subject "a"`;
    expect(parseViolation(line)).toMatchObject({ remoteAddress: '[::1]:50000', clientId: 12, subject: 'a' });
  });

  it('reads a reply-subject violation as a publish violation on the reply subject', () => {
    const line = `[7] 2026/11/23 05:32:40.980494 [ERR] 127.0.0.1:5 - cid:3 - "v3.4.0:nats.js" - Publish Violation - Nkey "${NKEY}", Reply "_INBOX.other.x"`;
    expect(parseViolation(line)).toMatchObject({ operation: 'publish', subject: '_INBOX.other.x' });
  });

  it('uses now() for a line without a time stamp', () => {
    const now = new Date(2030, 0, 1);
    const line = `[7] [ERR] 127.0.0.1:5 - cid:3 - "v3.4.0:nats.js" - Publish Violation - Nkey "${NKEY}", Subject "a"`;
    expect(parseViolation(line, () => now)?.at).toBe(now);
  });

  it('unescapes Go-quoted subjects', () => {
    const line = `[7] 2026/11/23 05:32:40.980494 [ERR] 127.0.0.1:5 - cid:3 - "v3.4.0:nats.js" - Publish Violation - Nkey "${NKEY}", Subject "a\\"b\\\\c"`;
    expect(parseViolation(line)?.subject).toBe('a"b\\c');
  });

  it('cannot be fooled by a client name that imitates a violation', () => {
    const forged = `x\\" - Publish Violation - Nkey \\"UFORGED\\", Subject \\"forged`;
    const line = `[7] 2026/11/23 05:32:40.980494 [ERR] 127.0.0.1:5 - cid:3 - "v3.4.0:nats.js:${forged}" - Publish Violation - Nkey "${NKEY}", Subject "real"`;
    expect(parseViolation(line)).toMatchObject({ nkey: NKEY, subject: 'real' });
    const onlyForged = `[7] 2026/11/23 05:32:40.980494 [ERR] 127.0.0.1:5 - cid:3 - "v3.4.0:nats.js:${forged}" - authentication error - Nkey "${NKEY}"`;
    expect(parseViolation(onlyForged)).toBeUndefined();
  });

  it.each([
    '[5091] 2026/11/23 05:32:40.824350 [INF] Server is ready',
    '[5091] 2026/11/23 05:36:41.334484 [ERR] 127.0.0.1:56140 - cid:5 - "v3.4.0:nats.js" - authentication error - User "a"',
    '[5091] 2026/11/23 05:36:47.497378 [ERR] Failed to reload server configuration: a.conf:6:28: Not a valid public nkey for a user',
    'Publish Violation - Nkey "U", Subject "a"',
    '',
  ])('ignores a line that is not a violation: %j', (line) => {
    expect(parseViolation(line)).toBeUndefined();
  });
});
