import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NatsServerNotFoundError } from './errors.js';
import { findNatsServerBinary } from './nats-server-binary.js';

describe('findNatsServerBinary', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xoar-binary-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds nats-server on the search path', async () => {
    const fake = join(dir, 'nats-server');
    await writeFile(fake, '#!/bin/sh\n');
    await chmod(fake, 0o755);
    expect(findNatsServerBinary(undefined, dir)).toBe(fake);
  });

  it('accepts an executable given explicitly', async () => {
    const fake = join(dir, 'my-nats');
    await writeFile(fake, '#!/bin/sh\n');
    await chmod(fake, 0o755);
    expect(findNatsServerBinary(fake)).toBe(fake);
  });

  it('rejects an explicit path that does not exist', () => {
    const missing = join(dir, 'missing');
    expect(() => findNatsServerBinary(missing)).toThrow(NatsServerNotFoundError);
    expect(() => findNatsServerBinary(missing)).toThrow(missing);
  });

  it('rejects an explicit path that is not executable, or not a file', async () => {
    const plain = join(dir, 'plain');
    await writeFile(plain, '');
    expect(() => findNatsServerBinary(plain)).toThrow(NatsServerNotFoundError);
    expect(() => findNatsServerBinary(dir)).toThrow(NatsServerNotFoundError);
  });

  it('tells how to install it', () => {
    try {
      findNatsServerBinary(join(dir, 'missing'));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(NatsServerNotFoundError);
      expect((error as NatsServerNotFoundError).code).toBe('broker-not-found');
      expect((error as NatsServerNotFoundError).hint).toContain('apt-get install nats-server');
    }
  });
});
