import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { projectRoot } from '../project-root.js';
import { PolicySchemaNotFoundError } from './errors.js';
import type { HostPolicyDocument } from './policy-document.js';

export function hostPolicySchemaPath(): string {
  return join(projectRoot(), 'policies', 'schema', 'host-policy.schema.json');
}

export async function readHostPolicySchema(): Promise<Record<string, unknown>> {
  const path = hostPolicySchemaPath();
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new PolicySchemaNotFoundError(path, error);
  }
}

let validator: Promise<ValidateFunction<HostPolicyDocument>> | undefined;

/** The compiled schema validator, built once per process. */
export function hostPolicyValidator(): Promise<ValidateFunction<HostPolicyDocument>> {
  validator ??= readHostPolicySchema().then((schema) =>
    // verbose: errors carry the failing schema and data, which the messages are built from.
    new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true }).compile<HostPolicyDocument>(schema),
  );
  return validator;
}
