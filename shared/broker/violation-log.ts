/**
 * Reads permission violations out of nats-server's log. nats-server 2.9 writes them as
 *
 *   [5091] 2026/11/23 05:32:40.980494 [ERR] 127.0.0.1:49698 - cid:9 - "v3.4.0:nats.js" - Publish Violation - Nkey "UDKI...", Subject "svc.b.x"
 *   [5091] 2026/11/23 05:32:40.980576 [ERR] 127.0.0.1:49698 - cid:9 - "v3.4.0:nats.js" - Subscription Violation - Nkey "UDKI...", Subject "svc.b.>", SID 1
 *
 * with `User "name"` for users that log in with a name and password, and `Reply "..."` when
 * the offence is the reply subject of a publish. Strings are Go-quoted (`%q`), so a client
 * cannot forge a violation through its connection name.
 */
export const ViolationOperation = {
  publish: 'publish',
  subscribe: 'subscribe',
} as const;
export type ViolationOperation = (typeof ViolationOperation)[keyof typeof ViolationOperation];

export interface BrokerViolation {
  operation: ViolationOperation;
  /** The offender's public nkey; undefined when it logged in as a named user. */
  nkey: string | undefined;
  /** The offender's user name; undefined when it logged in with an nkey. */
  user: string | undefined;
  /** The subject it was refused (for a `Reply` violation, the reply subject). */
  subject: string;
  /** The server's id for the offending connection (`cid:9`). */
  clientId: number;
  /** The offending client's address, `host:port`. */
  remoteAddress: string;
  at: Date;
}

/** A Go `%q` string; the group captures its body. */
const goQuoted = (group: string) => String.raw`"(?<${group}>(?:[^"\\]|\\.)*)"`;
const VIOLATION = new RegExp(
  String.raw`^\[\d+\] (?:(?<time>\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}\.\d+) )?\[ERR\] (?<remote>\S+) - cid:(?<cid>\d+) - ` +
    String.raw`(?:"(?:[^"\\]|\\.)*" - )?(?<operation>Publish|Subscription) Violation - (?<kind>Nkey|User) ${goQuoted('identity')}, ` +
    String.raw`(?:Subject|Reply) ${goQuoted('subject')}`,
);

/**
 * Parses one log line; undefined if it is not a permission violation. `at` is the log's
 * time stamp (nats-server writes local time) or, for a line without one, `now()`.
 */
export function parseViolation(line: string, now: () => Date = () => new Date()): BrokerViolation | undefined {
  const groups = VIOLATION.exec(line)?.groups;
  if (groups === undefined) return undefined;
  const { time, remote = '', cid = '', operation, kind, identity = '', subject = '' } = groups;
  return {
    operation: operation === 'Publish' ? ViolationOperation.publish : ViolationOperation.subscribe,
    nkey: kind === 'Nkey' ? unquoteGo(identity) : undefined,
    user: kind === 'User' ? unquoteGo(identity) : undefined,
    subject: unquoteGo(subject),
    clientId: Number(cid),
    remoteAddress: remote,
    at: time === undefined ? now() : parseLogTime(time),
  };
}

/** `2026/11/23 05:32:40.980494`, local time, to the millisecond. */
function parseLogTime(time: string): Date {
  const [year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0] = time.split(/[/ :.]/).map(Number);
  const millisecond = Number(time.slice(time.indexOf('.') + 1, time.indexOf('.') + 4));
  return new Date(year, month - 1, day, hour, minute, second, millisecond);
}

const GO_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** The body of a Go `%q` string, unescaped. */
function unquoteGo(body: string): string {
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_escape, code: string) => {
    if (code.length > 1) return String.fromCodePoint(Number.parseInt(code.slice(1), 16));
    return GO_ESCAPES[code] ?? code;
  });
}
