import { createUser } from '@nats-io/nkeys';

/** A principal's identity on the broker: the seed is its only secret, the public key goes in the broker config. */
export interface PrincipalKey {
  name: string;
  /** The nkey seed (`SU...`). Hand it only to the principal itself. */
  seed: string;
  /** The public user nkey (`U...`). */
  publicKey: string;
}

export function createPrincipalKey(name: string): PrincipalKey {
  const pair = createUser();
  const key = { name, seed: new TextDecoder().decode(pair.getSeed()), publicKey: pair.getPublicKey() };
  pair.clear();
  return key;
}
