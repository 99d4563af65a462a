import { SupervisorOp } from '../bus/subjects.js';
import { Role } from './types.js';

/**
 * Named privileges a role may hold (`privileges` in a policy). Each is either enforced at the
 * broker (the subjects it opens) or by the part that owns the resource (the driver for
 * devices, XenStore-Logic for XenStore writes); `xoar policy explain` says which.
 *
 *   vm.create                  create domains (boot during boot, the builder)
 *   vm.manage:own|*|tenant:T   manage guests through the builder: those it serves, all, a tenant's
 *   pci.config                 PCI config space: enumerate devices and assign them
 *   grant.issue                wire a guest's device to its backend (a runtime grant), and revoke it
 *   device:assigned            drive the PCI devices assigned to the service VM
 *   xenstore.write:<path>      write XenStore under <path> with the control domain's rights
 */
export const CapabilityKind = {
  vmCreate: 'vm.create',
  vmManage: 'vm.manage',
  pciConfig: 'pci.config',
  grantIssue: 'grant.issue',
  deviceAssigned: 'device:assigned',
  xenstoreWrite: 'xenstore.write',
} as const;
export type CapabilityKind = (typeof CapabilityKind)[keyof typeof CapabilityKind];

/** Which guests `vm.manage` reaches: those the holder serves, every guest, or one tenant's. */
export type ManageScope = { kind: 'own' } | { kind: 'all' } | { kind: 'tenant'; tenant: string };

export type Capability =
  | { kind: typeof CapabilityKind.vmCreate }
  | { kind: typeof CapabilityKind.vmManage; scope: ManageScope }
  | { kind: typeof CapabilityKind.pciConfig }
  | { kind: typeof CapabilityKind.grantIssue }
  | { kind: typeof CapabilityKind.deviceAssigned }
  | { kind: typeof CapabilityKind.xenstoreWrite; path: string };

export interface CapabilitySpec {
  /** Roles whose job can use it. */
  holders: readonly Role[];
  /** Its effects need a living holder (guests managed, grants issued, devices driven, nodes owned). */
  standing: boolean;
  /** Supervisor operations it lets the holder request. */
  supervisorOps: readonly SupervisorOp[];
  /** Where it is enforced when not by supervisor operations alone. */
  enforcedBy: 'broker' | 'driver' | 'xenstore';
}

export const capabilities: { readonly [K in CapabilityKind]: CapabilitySpec } = {
  [CapabilityKind.vmCreate]: { holders: [Role.boot, Role.builder], standing: false, supervisorOps: [SupervisorOp.vmCreate, SupervisorOp.vmStart, SupervisorOp.vmDestroy], enforcedBy: 'broker' },
  [CapabilityKind.vmManage]: { holders: [Role.boot, Role.toolstack], standing: true, supervisorOps: [], enforcedBy: 'broker' },
  [CapabilityKind.pciConfig]: { holders: [Role.pciConfig], standing: false, supervisorOps: [SupervisorOp.pciAssign], enforcedBy: 'broker' },
  [CapabilityKind.grantIssue]: { holders: [Role.boot, Role.builder, Role.toolstack], standing: true, supervisorOps: [SupervisorOp.grantIssue, SupervisorOp.grantRevoke], enforcedBy: 'broker' },
  [CapabilityKind.deviceAssigned]: { holders: [Role.block, Role.network], standing: true, supervisorOps: [], enforcedBy: 'driver' },
  [CapabilityKind.xenstoreWrite]: { holders: [Role.boot, Role.xenstoreLogic, Role.builder, Role.toolstack], standing: true, supervisorOps: [], enforcedBy: 'xenstore' },
};

const MANAGE = /^vm\.manage:(own|\*|tenant:([A-Za-z0-9_-]+))$/;
const XENSTORE_WRITE = /^xenstore\.write:(\/[^\s]*)$/;

/** Reads a capability as a policy writes it; undefined when it is not one (the schema refuses those). */
export function parseCapability(text: string): Capability | undefined {
  const manage = MANAGE.exec(text);
  if (manage !== null) {
    const scope: ManageScope = manage[1] === 'own' ? { kind: 'own' } : manage[1] === '*' ? { kind: 'all' } : { kind: 'tenant', tenant: manage[2] ?? '' };
    return { kind: CapabilityKind.vmManage, scope };
  }
  const write = XENSTORE_WRITE.exec(text);
  if (write !== null) return { kind: CapabilityKind.xenstoreWrite, path: write[1] ?? '/' };
  const plain = [CapabilityKind.vmCreate, CapabilityKind.pciConfig, CapabilityKind.grantIssue, CapabilityKind.deviceAssigned] as const;
  const kind = plain.find((candidate) => candidate === text);
  return kind === undefined ? undefined : { kind };
}

/** The parsed capabilities of one role under a policy's privileges. */
export function capabilitiesOf(privileges: { readonly [R in Role]?: readonly string[] }, role: Role): Capability[] {
  return (privileges[role] ?? []).flatMap((text) => {
    const capability = parseCapability(text);
    return capability === undefined ? [] : [capability];
  });
}

export function holds(privileges: { readonly [R in Role]?: readonly string[] }, role: Role, kind: CapabilityKind): boolean {
  return capabilitiesOf(privileges, role).some((capability) => capability.kind === kind);
}
