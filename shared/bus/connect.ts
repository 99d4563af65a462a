import { setTimeout as sleep } from 'node:timers/promises';
import { fromSeed } from '@nats-io/nkeys';
import { AuthorizationError, connect, nkeyAuthenticator } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { XoarError, describeError } from '../errors/xoar-error.js';
import { subjects } from './subjects.js';

export interface ConnectAsOptions {
  /** `nats://host:port` */
  url: string;
  /** The principal's name: it picks the private inbox prefix `_INBOX.<principal>`. */
  principal: string;
  /** The principal's nkey seed (`SU...`). */
  seed: string;
  /** The connection's name in the server's logs and monitoring; default: the principal. */
  name?: string;
  /** Reconnect after losing the broker; default true. */
  reconnect?: boolean;
  /** How long to wait for the broker to accept the connection; default CONNECT_TIMEOUT_MS. */
  timeoutMs?: number;
}

/** How long to wait for the broker to accept the connection: generous, as a host that just booted starts a dozen processes on a few cores. */
export const CONNECT_TIMEOUT_MS = 15_000;

/** The broker could not be reached: nothing listens, the host is unknown, or it did not answer in time. */
export class BrokerUnreachableError extends XoarError {
  constructor(url: string, options: { cause?: unknown } = {}) {
    super('broker-unreachable', `cannot reach the broker at ${url}: ${describeError(options.cause)}`, {
      hint: 'is the host up? `xoar host status`',
      cause: options.cause,
    });
  }
}

/** The broker refused the principal's credentials. */
export class BrokerAuthError extends XoarError {
  constructor(url: string, principal: string, options: { cause?: unknown } = {}) {
    super('broker-auth-failed', `the broker at ${url} refused the credentials of "${principal}"`, {
      hint: "the principal's key is not (or no longer) in the broker's configuration: re-issue its credentials",
      cause: options.cause,
    });
  }
}

/** The seed handed to a principal is not a user nkey seed. */
export class InvalidSeedError extends XoarError {
  constructor(principal: string, options: { cause?: unknown } = {}) {
    super('broker-invalid-seed', `the seed of "${principal}" is not a user nkey seed (SU...)`, {
      hint: 'pass the seed created for this principal, not its public key or another kind of key',
      cause: options.cause,
    });
  }
}

/** Waits before trying again after a refusal: nats-server can refuse a connection it takes while it reloads its users. */
const AUTH_RETRY_DELAYS_MS = [20, 50, 100, 250];

/**
 * Connects to the broker as `principal`, authenticated by its nkey, with its private inbox prefix.
 * A refusal is tried again a few times (within half a second): one that lasts is the answer.
 */
export async function connectAs(options: ConnectAsOptions): Promise<NatsConnection> {
  const seed = userSeed(options.principal, options.seed);
  const inboxPrefix = subjects.inboxPrefix(options.principal);
  for (let attempt = 0; ; attempt++) {
    try {
      return await connect({
        servers: options.url,
        authenticator: nkeyAuthenticator(seed),
        inboxPrefix,
        name: options.name ?? options.principal,
        reconnect: options.reconnect ?? true,
        timeout: options.timeoutMs ?? CONNECT_TIMEOUT_MS,
      });
    } catch (error) {
      if (!(error instanceof AuthorizationError)) throw new BrokerUnreachableError(options.url, { cause: error });
      const retryAfterMs = AUTH_RETRY_DELAYS_MS[attempt];
      if (retryAfterMs === undefined) throw new BrokerAuthError(options.url, options.principal, { cause: error });
      await sleep(retryAfterMs);
    }
  }
}

function userSeed(principal: string, seed: string): Uint8Array {
  const bytes = new TextEncoder().encode(seed);
  try {
    if (fromSeed(bytes).getPublicKey().startsWith('U')) return bytes;
  } catch (error) {
    throw new InvalidSeedError(principal, { cause: error });
  }
  throw new InvalidSeedError(principal);
}
