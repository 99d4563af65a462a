import { roles } from '../../shared/policy/roles.js';
import { Role } from '../../shared/policy/types.js';

/**
 * The roles rolled back make before break: plain request/response services over `rpc`
 * subjects, where a warm standby can join the queue group before the old instance leaves it.
 * XenStore-Logic and XenStore-State keep their own takeover (epoch fencing, session takeover,
 * `xs.up` resend) and are replaced; boot and pci-config are never rolled back.
 */
export const MAKE_BEFORE_BREAK_ROLES: ReadonlySet<Role> = new Set(Object.values(Role).filter((role) => roles[role].warmStandbys));

/** Warm standbys kept per make-before-break service, unless the supervisor is told otherwise. */
export const DEFAULT_STANDBYS = 1;

/** Make-before-break roles whose instances hold what only one may hold at a time (devices wired in XenStore): the old one lets go first. */
export const EXCLUSIVE_ROLES: ReadonlySet<Role> = new Set([Role.block, Role.network]);
