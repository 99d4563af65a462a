import { fromPublic, fromSeed } from '@nats-io/nkeys';
import { describe, expect, it } from 'vitest';
import { createPrincipalKey } from './credentials.js';

describe('createPrincipalKey', () => {
  it('creates a user nkey whose seed signs what its public key verifies', () => {
    const key = createPrincipalKey('blk-shared');
    expect(key.name).toBe('blk-shared');
    expect(key.seed).toMatch(/^SU[A-Z2-7]+$/);
    expect(key.publicKey).toMatch(/^U[A-Z2-7]+$/);
    const nonce = new TextEncoder().encode('nonce');
    const signature = fromSeed(new TextEncoder().encode(key.seed)).sign(nonce);
    expect(fromPublic(key.publicKey).verify(nonce, signature)).toBe(true);
  });

  it('creates a different key every time', () => {
    expect(createPrincipalKey('a').publicKey).not.toBe(createPrincipalKey('a').publicKey);
  });
});
