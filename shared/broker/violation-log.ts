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

const GO_QUOTED = String.raw`"((?:[^"\\]|\\.)*)"`;
const TIMESTAMP = String.raw`(\d{4})/(\d{2})/(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{3})\d*`;
const VIOLATION = new RegExp(
  String.raw`^\[\d+\] (?:${TIMESTAMP} )?\[ERR\] (\S+) - cid:(\d+) - (?:"(?:[^"\\]|\\.)*" - )?` +
    String.raw`(Publish|Subscription) Violation - (Nkey|User) ${GO_QUOTED}, (?:Subject|Reply) ${GO_QUOTED}`,
);

/**
 * Parses one log line; undefined if it is not a permission violation. `at` is the log's
 * time stamp (nats-server writes local time) or, for a line without one, `now()`.
 */
export function parseViolation(line: string, now: () => Date = () => new Date()): BrokerViolation | undefined {
  const match = VIOLATION.exec(line);
  if (match === null) return undefined;
  const group = (index: number): string => match[index] ?? '';
  const hasTimestamp = match[1] !== undefined;
  const stamp = [1, 2, 3, 4, 5, 6, 7].map((index) => Number(group(index)));
  const [year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0, millisecond = 0] = stamp;
  const identity = unquoteGo(group(12));
  return {
    operation: group(10) === 'Publish' ? ViolationOperation.publish : ViolationOperation.subscribe,
    nkey: group(11) === 'Nkey' ? identity : undefined,
    user: group(11) === 'User' ? identity : undefined,
    subject: unquoteGo(group(13)),
    clientId: Number(group(9)),
    remoteAddress: group(8),
    at: hasTimestamp ? new Date(year, month - 1, day, hour, minute, second, millisecond) : now(),
  };
}

const GO_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** The body of a Go `%q` string, unescaped. */
function unquoteGo(body: string): string {
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_escape, code: string) => {
    if (code.length > 1) return String.fromCodePoint(Number.parseInt(code.slice(1), 16));
    return GO_ESCAPES[code] ?? code;
  });
}
