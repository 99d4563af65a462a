import { CONNECT_TIMEOUT_MS } from '../bus/connect.js';
import type { Authorization, Principal, SubjectRules } from './authorization.js';

export interface ServerConfigOptions {
  host: string;
  port: number;
  /** JetStream's store directory (nats-server keeps its data in a `jetstream` folder below it). */
  storeDir: string;
  authorization: Authorization;
  /** The server's name; unique within a cluster. */
  serverName?: string;
}

const DEFAULT_SERVER_NAME = 'xoar';
/** Room for a whole XenStore image in one message (XenStore-Logic loads it at every start). */
const MAX_PAYLOAD_BYTES = 8 * 1024 * 1024;

/**
 * Renders nats-server's configuration. Every string is a JSON string, which the nats config
 * syntax accepts, so no subject or key can break out of its field.
 *
 * Only the client port is opened: no HTTP monitor, cluster, gateway or leafnode listeners.
 */
export function renderServerConfig(options: ServerConfigOptions): string {
  return [
    '# Written by xoar: it names every principal, keep it private. Rewritten on every grant change.',
    `server_name: ${quote(options.serverName ?? DEFAULT_SERVER_NAME)}`,
    `listen: ${quote(hostPort(options.host, options.port))}`,
    `max_payload: ${MAX_PAYLOAD_BYTES}`,
    'jetstream {',
    `  store_dir: ${quote(options.storeDir)}`,
    '}',
    renderAuthorization(options.authorization),
    '',
  ].join('\n');
}

/**
 * A public nkey whose seed was thrown away, granted nothing. nats-server reads an empty
 * `users` list as "no authentication": anyone could connect and use every subject. So while
 * no principal is granted, this one user stands in and keeps authentication required.
 */
export const NOBODY_NKEY = 'UD2UNQBVFDYMTDY72JMXVD34U3YAXXE5H43MBFX3Y6CQPH33OXHUU2SY';

const NOBODY: Principal = {
  name: 'nobody: no principal is granted, this user keeps authentication required',
  nkey: NOBODY_NKEY,
  permissions: { publish: { allow: [] }, subscribe: { allow: [] } },
};

/**
 * Seconds a client has to authenticate once connected: as long as our clients wait for the broker.
 * nats-server's default (2 s) dropped clients mid-handshake on a busy host: a client that starts
 * beside a dozen others, or runs in a domain under emulation, signs the server's nonce later.
 */
const AUTH_TIMEOUT_SECONDS = CONNECT_TIMEOUT_MS / 1000;

/**
 * Renders the `authorization` block alone: one nkey user per principal with its permissions.
 * `renderServerConfig` embeds it; a joined server `include`s it from its own file.
 */
export function renderAuthorization(authorization: Authorization): string {
  const principals = authorization.principals.length === 0 ? [NOBODY] : authorization.principals;
  return ['authorization {', `  timeout: ${AUTH_TIMEOUT_SECONDS}`, '  users: [', principals.map(renderUser).join('\n'), '  ]', '}'].join('\n');
}

/** `host:port`, with an IPv6 host in brackets. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function renderUser(principal: Principal): string {
  const { publish, subscribe, allowResponses } = principal.permissions;
  const lines = [
    '    {',
    `      # ${quote(principal.name)}`,
    `      nkey: ${quote(principal.nkey)}`,
    '      permissions: {',
    `        publish: ${renderRules(publish)}`,
    `        subscribe: ${renderRules(subscribe)}`,
  ];
  if (allowResponses === true) lines.push('        allow_responses: true');
  lines.push('      }', '    }');
  return lines.join('\n');
}

/**
 * nats-server reads `allow: []` as "no allow-list", which allows everything. An empty
 * allow-list here means "nothing", so it is rendered as a deny of every subject instead.
 */
function renderRules(rules: SubjectRules): string {
  const deny = rules.deny ?? [];
  if (rules.allow.length === 0) return `{ deny: ${quoteList(['>'])} }`;
  if (deny.length === 0) return `{ allow: ${quoteList(rules.allow)} }`;
  return `{ allow: ${quoteList(rules.allow)}, deny: ${quoteList(deny)} }`;
}

function quoteList(values: string[]): string {
  return `[${values.map(quote).join(', ')}]`;
}

function quote(value: string): string {
  return JSON.stringify(value);
}
