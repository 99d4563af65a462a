/**
 * A recovery box (DESIGN.md, "Snapshot and rollback"): the one small piece of state a role
 * declares to survive a rollback. The old instance writes it; the supervisor validates it
 * against the role's schema before it hands it to the new instance, because a compromised
 * instance may have written anything there. A box that fails is refused and recorded, and the
 * new instance starts clean.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { XoarError } from '../errors/xoar-error.js';
import { Role } from '../policy/types.js';

/** Largest box, as serialised JSON: a box is a table of handles, not a data store. */
export const RECOVERY_BOX_MAX_BYTES = 4096;

/** A block backend's open-device table: which guest has which device open. */
const blockBox = {
  type: 'object',
  additionalProperties: false,
  required: ['v', 'open'],
  properties: {
    v: { const: 1 },
    open: {
      type: 'array',
      maxItems: 64,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['device', 'guest'],
        properties: {
          device: { type: 'string', pattern: '^[A-Za-z0-9:._-]{1,64}$' },
          guest: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
        },
      },
    },
  },
} as const;

/** The roles that declare a box, and its schema. A role not listed keeps nothing across a rollback. */
export const recoveryBoxSchemas: Partial<Record<Role, Record<string, unknown>>> = {
  [Role.block]: blockBox,
};

export class RecoveryBoxRejectedError extends XoarError {
  readonly problems: string[];
  constructor(service: string, problems: string[]) {
    super('recovery-box-rejected', `the recovery box of "${service}" does not fit its role's schema: ${problems.join('; ')}`, {
      hint: 'the box was discarded and recorded in the audit stream; the new instance starts clean',
    });
    this.problems = problems;
  }
}

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validators = new Map<Role, ValidateFunction>();

function validatorOf(role: Role): ValidateFunction | undefined {
  const schema = recoveryBoxSchemas[role];
  if (schema === undefined) return undefined;
  let validate = validators.get(role);
  if (validate === undefined) {
    validate = ajv.compile(schema);
    validators.set(role, validate);
  }
  return validate;
}

/** Whether a role keeps a recovery box at all. */
export function declaresRecoveryBox(role: Role): boolean {
  return recoveryBoxSchemas[role] !== undefined;
}

/** The box if it fits the role's schema and size; throws {@link RecoveryBoxRejectedError} otherwise. */
export function checkRecoveryBox(service: string, role: Role, box: unknown): unknown {
  const validate = validatorOf(role);
  if (validate === undefined) throw new RecoveryBoxRejectedError(service, [`role ${role} declares no recovery box`]);
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(box) ?? '');
  } catch {
    throw new RecoveryBoxRejectedError(service, ['not serialisable as JSON']);
  }
  if (size > RECOVERY_BOX_MAX_BYTES) throw new RecoveryBoxRejectedError(service, [`${size} bytes, more than ${RECOVERY_BOX_MAX_BYTES}`]);
  if (!validate(box)) {
    throw new RecoveryBoxRejectedError(service, (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? error.keyword}`));
  }
  return box;
}
