import type { Authorization, Permissions } from '../../shared/broker/authorization.js';
import { createPrincipalKey, type PrincipalKey } from '../../shared/broker/credentials.js';

/**
 * One nkey pair per principal, made fresh for every run of a host: a credential never
 * outlives the broker that trusts it. Seeds stay in the supervisor's memory; each service VM
 * receives only its own, and the operator's is written 0600 for the CLI.
 */
export class PrincipalKeys {
  private readonly keys = new Map<string, PrincipalKey>();

  constructor(names: Iterable<string>) {
    for (const name of names) this.keys.set(name, createPrincipalKey(name));
  }

  seedOf(name: string): string {
    return this.keyOf(name).seed;
  }

  /** Attaches each principal's public key to its compiled permissions. */
  authorization(permissions: ReadonlyMap<string, Permissions>): Authorization {
    return { principals: [...permissions].map(([name, granted]) => ({ name, nkey: this.keyOf(name).publicKey, permissions: granted })) };
  }

  private keyOf(name: string): PrincipalKey {
    const key = this.keys.get(name);
    if (key === undefined) throw new Error(`no credentials were made for principal "${name}"`);
    return key;
  }
}
