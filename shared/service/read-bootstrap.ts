import type { Readable } from 'node:stream';
import type { InstanceBootstrap } from '../drivers/driver.js';
import { XoarError } from '../errors/xoar-error.js';

export class BootstrapError extends XoarError {
  constructor(reason: string) {
    super('bad-bootstrap', `the service VM could not read its bootstrap from stdin: ${reason}`, {
      hint: 'service VMs are started by the supervisor (xoar host up), not by hand',
    });
  }
}

/** The driver writes the instance's spec as one JSON document on stdin and closes it. */
export async function readBootstrap(input: Readable): Promise<InstanceBootstrap> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(chunk as Buffer);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw new BootstrapError(`not JSON (${(error as Error).message})`);
  }
  const spec = value as Partial<InstanceBootstrap>;
  for (const field of ['host', 'id', 'role', 'natsUrl', 'seed'] as const) {
    if (typeof spec[field] !== 'string') throw new BootstrapError(`field "${field}" is missing`);
  }
  if (typeof spec.instance !== 'number' || typeof spec.heartbeatMs !== 'number') {
    throw new BootstrapError('fields "instance" and "heartbeatMs" must be numbers');
  }
  return spec as InstanceBootstrap;
}
