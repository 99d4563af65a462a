import { SupervisorOp } from '../bus/subjects.js';
import { CapabilityKind } from './capabilities.js';
import { Role } from './types.js';

/** When a role's service VM is destroyed for good, rather than rolled back. */
export const Disposal = {
  /** Once the platform is up. */
  afterBoot: 'afterBoot',
  /** Once its one job (assigning PCI devices) is done. */
  afterJob: 'afterJob',
  never: 'never',
} as const;
export type Disposal = (typeof Disposal)[keyof typeof Disposal];

export interface RoleSpec {
  disposal: Disposal;
  /** Boot order: every service of phase n is running before any of phase n + 1 starts. */
  phase: number;
  /** Roles whose services this role's services may send requests to. */
  uses: readonly Role[];
  /** Supervisor operations that are the role's job itself, whatever its capabilities. */
  supervisorOps: readonly SupervisorOp[];
  /** Capabilities it holds when the policy's `privileges` does not name the role. */
  defaultPrivileges: readonly string[];
  /** Capabilities without which it cannot do its job. */
  requires: readonly CapabilityKind[];
  /** Serves guests (its `serves` says which): a device backend or a toolstack. */
  servesGuests: boolean;
  /**
   * Rolled back make before break, from warm standbys (plain request/response services on `rpc`
   * subjects), rather than replaced: XenStore keeps its own takeover; boot and pci-config never roll back.
   */
  warmStandbys: boolean;
}

/** The role table (the paper's decomposition of dom0): the one place a role's privileges are defined. */
export const roles: { readonly [R in Role]: RoleSpec } = {
  [Role.boot]: {
    disposal: Disposal.afterBoot,
    phase: 0,
    uses: [],
    supervisorOps: [SupervisorOp.platformStart],
    defaultPrivileges: ['vm.create'],
    requires: [],
    servesGuests: false,
    warmStandbys: false,
  },
  [Role.pciConfig]: {
    disposal: Disposal.afterJob,
    phase: 1,
    uses: [],
    supervisorOps: [],
    defaultPrivileges: ['pci.config'],
    requires: [CapabilityKind.pciConfig],
    servesGuests: false,
    warmStandbys: false,
  },
  [Role.xenstoreState]: {
    disposal: Disposal.never,
    phase: 2,
    uses: [],
    supervisorOps: [],
    defaultPrivileges: [],
    requires: [],
    servesGuests: false,
    warmStandbys: false,
  },
  [Role.xenstoreLogic]: {
    disposal: Disposal.never,
    phase: 3,
    uses: [Role.xenstoreState],
    supervisorOps: [],
    defaultPrivileges: ['xenstore.write:/'],
    requires: [],
    servesGuests: false,
    warmStandbys: false,
  },
  [Role.builder]: {
    disposal: Disposal.never,
    phase: 4,
    uses: [Role.xenstoreLogic],
    supervisorOps: [],
    defaultPrivileges: ['vm.create', 'grant.issue', 'xenstore.write:/local/domain'],
    requires: [CapabilityKind.vmCreate],
    servesGuests: false,
    warmStandbys: true,
  },
  [Role.toolstack]: {
    disposal: Disposal.never,
    phase: 4,
    uses: [Role.xenstoreLogic],
    supervisorOps: [],
    defaultPrivileges: ['vm.manage:own'],
    requires: [],
    servesGuests: true,
    warmStandbys: true,
  },
  [Role.block]: {
    disposal: Disposal.never,
    phase: 5,
    uses: [Role.xenstoreLogic],
    supervisorOps: [],
    defaultPrivileges: ['device:assigned'],
    requires: [],
    servesGuests: true,
    warmStandbys: true,
  },
  [Role.network]: {
    disposal: Disposal.never,
    phase: 5,
    uses: [Role.xenstoreLogic],
    supervisorOps: [],
    defaultPrivileges: ['device:assigned'],
    requires: [],
    servesGuests: true,
    warmStandbys: true,
  },
};

/** Disposable roles are destroyed once their job is done, so they are never rolled back. */
export function isDisposable(role: Role): boolean {
  return roles[role].disposal !== Disposal.never;
}

const DISPOSED_WHEN: { readonly [D in Disposal]: string } = {
  [Disposal.afterBoot]: 'once the platform is up',
  [Disposal.afterJob]: 'once its job is done',
  [Disposal.never]: 'never',
};

/** When a role's service VM is disposed of, in words for messages: "once its job is done". */
export function disposedWhen(role: Role): string {
  return DISPOSED_WHEN[roles[role].disposal];
}
