import { GUEST_ROLE } from '../../guest/guest-config.js';
import { Role } from '../../policy/types.js';
import { XenConfigInvalidError } from './errors.js';

/**
 * The XSM/FLASK type of each role's domains: what the FLASK policy (deploy/xen/) grants, so that
 * a compromised service VM holds its role's hypervisor privileges and nothing more. The types
 * follow Xen's example policy (tools/flask/policy): `domU_t` is its ordinary guest.
 *
 * | type | hypervisor privileges the policy gives it |
 * | --- | --- |
 * | xoar_boot_t | create and build domains, during boot only (it is destroyed after) |
 * | xoar_pciconf_t | PCI configuration space; assign devices to driver domains |
 * | xoar_xsstate_t | none: its own disk only |
 * | xoar_xslogic_t | none: XenStore reaches it over the bus |
 * | xoar_builder_t | create and build domains, map their memory while building |
 * | xoar_toolstack_t | pause, unpause, destroy the guests it manages |
 * | xoar_blk_t, xoar_net_t | driver domains: their assigned devices, event channels and grant maps with the guests they serve |
 * | domU_t | a guest: nothing beyond its own domain |
 *
 * Without XSM in the hypervisor, xl warns "XSM Disabled: seclabel not supported" and goes on.
 */
const ROLE_TYPES: Readonly<Record<Role, string>> = {
  [Role.boot]: 'xoar_boot_t',
  [Role.pciConfig]: 'xoar_pciconf_t',
  [Role.xenstoreState]: 'xoar_xsstate_t',
  [Role.xenstoreLogic]: 'xoar_xslogic_t',
  [Role.builder]: 'xoar_builder_t',
  [Role.toolstack]: 'xoar_toolstack_t',
  [Role.block]: 'xoar_blk_t',
  [Role.network]: 'xoar_net_t',
};

export function roleSeclabel(role: string, source: string): string {
  if (role === GUEST_ROLE) return seclabelOf('domU_t');
  const type = (ROLE_TYPES as Readonly<Record<string, string>>)[role];
  if (type === undefined) throw new XenConfigInvalidError('seclabel', source, `role "${role}" has no XSM type`, `give the role a type in shared/drivers/xen/seclabels.ts and the FLASK policy; known roles: ${Object.keys(ROLE_TYPES).join(', ')}`);
  return seclabelOf(type);
}

function seclabelOf(type: string): string {
  return `system_u:system_r:${type}`;
}
