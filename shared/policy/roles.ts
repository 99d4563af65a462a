import { SupervisorOp } from '../bus/subjects.js';
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

/** Named privileges, for documentation and `xoar policy explain`; the broker enforces subjects, not these. */
export const Capability = {
  vmCreate: 'vm.create',
  pciConfig: 'pci.config',
  vmManageOwn: 'vm.manage:own',
  deviceAssigned: 'device:assigned',
  xenstoreWriteAll: 'xenstore.write:*',
} as const;
export type Capability = (typeof Capability)[keyof typeof Capability];

export interface RoleSpec {
  disposal: Disposal;
  /** Boot order: every service of phase n is running before any of phase n + 1 starts. */
  phase: number;
  /** Roles whose services this role's services may send requests to. */
  uses: readonly Role[];
  supervisorOps: readonly SupervisorOp[];
  capabilities: readonly Capability[];
  /** Whether the role is a driver VM that may be assigned PCI devices. */
  holdsDevices: boolean;
}

/** The role table (the paper's decomposition of dom0): the one place a role's privileges are defined. */
export const roles: { readonly [R in Role]: RoleSpec } = {
  [Role.boot]: {
    disposal: Disposal.afterBoot,
    phase: 0,
    uses: [],
    supervisorOps: [SupervisorOp.platformStart],
    capabilities: [Capability.vmCreate],
    holdsDevices: false,
  },
  [Role.pciConfig]: {
    disposal: Disposal.afterJob,
    phase: 1,
    uses: [],
    supervisorOps: [SupervisorOp.pciAssign],
    capabilities: [Capability.pciConfig],
    holdsDevices: false,
  },
  [Role.xenstoreState]: {
    disposal: Disposal.never,
    phase: 2,
    uses: [],
    supervisorOps: [],
    capabilities: [],
    holdsDevices: false,
  },
  [Role.xenstoreLogic]: {
    disposal: Disposal.never,
    phase: 3,
    uses: [Role.xenstoreState],
    supervisorOps: [],
    capabilities: [Capability.xenstoreWriteAll],
    holdsDevices: false,
  },
  [Role.builder]: {
    disposal: Disposal.never,
    phase: 4,
    uses: [Role.xenstoreLogic],
    supervisorOps: [],
    capabilities: [Capability.vmCreate],
    holdsDevices: false,
  },
  [Role.toolstack]: {
    disposal: Disposal.never,
    phase: 4,
    uses: [Role.builder, Role.xenstoreLogic],
    supervisorOps: [],
    capabilities: [Capability.vmManageOwn],
    holdsDevices: false,
  },
  [Role.block]: {
    disposal: Disposal.never,
    phase: 5,
    uses: [Role.xenstoreLogic],
    supervisorOps: [],
    capabilities: [Capability.deviceAssigned],
    holdsDevices: true,
  },
  [Role.network]: {
    disposal: Disposal.never,
    phase: 5,
    uses: [Role.xenstoreLogic],
    supervisorOps: [],
    capabilities: [Capability.deviceAssigned],
    holdsDevices: true,
  },
};

/** Disposable roles are destroyed once their job is done, so they are never rolled back. */
export function isDisposable(role: Role): boolean {
  return roles[role].disposal !== Disposal.never;
}
