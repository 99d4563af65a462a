import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PolicyInvalidError } from './errors.js';
import { loadPolicy } from './load-policy.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

/**
 * One invalid policy per meaning check of tenants, guests, sharing, privileges and grants, and per
 * schema rule of those sections: each refused with exactly one problem, at this pointer and line,
 * with this message and a hint that says how to fix it.
 */
const INVALID: ReadonlyArray<[file: string, pointer: string, line: number, message: string, hint: string]> = [
  // host
  ['xen-without-settings.json', '/host', 3, 'the xen driver needs host.xen: the kernel, ramdisk and root disk every service VM domain boots', 'deploy/xen/README-image.md builds them'],
  ['xen-settings-on-process.json', '/host/xen', 5, 'host.xen is set but the driver is process (the default), which does not use it', 'set "driver": "xen" in host, or remove host.xen'],
  ['xen-bad-control-network.json', '/host/xen/controlNetwork', 6, '"10.88.0.1" does not match ^[0-9]{1,3}(\\.[0-9]{1,3}){3}/[0-9]{1,2}$', "dom0's address on the bridge, with its prefix"],
  // tenants
  ['tenant-bad-id.json', '/tenants/0/id', 4, 'tenant id "acme corp" is not a subject token', 'letters, digits, - and _ only'],
  ['tenant-duplicate-id.json', '/tenants/1/id', 6, 'duplicate tenant id "acme" (first at /tenants/0)', 'give every tenant a unique id'],
  // guests
  ['guest-unknown-tenant.json', '/guests/0/tenant', 6, 'guest "web" belongs to unknown tenant "acmee"', 'did you mean "acme"?'],
  ['guest-duplicate-id.json', '/guests/2/id', 8, 'duplicate guest id "web" (first at /guests/0)', 'give every guest a unique id'],
  ['guest-service-id.json', '/guests/0/id', 6, 'guest id "builder" is also a service id (/services/3)', 'give each a different id'],
  ['guest-reserved-id.json', '/guests/0/id', 6, 'guest id "auditor" is reserved for a broker principal', 'supervisor, operator, auditor are reserved'],
  ['guest-small-memory.json', '/guests/0/memory', 6, 'guest "web" has 8MiB of memory, less than 16MiB', 'at least 16MiB'],
  ['guest-huge-memory.json', '/guests/0/memory', 6, 'size "99999999TiB" is too large', 'at most 8191TiB'],
  ['disk-zero-size.json', '/guests/0/disks/0/size', 7, 'disk xvda of guest "web" has size 0', 'give the disk a size'],
  ['disk-duplicate-vdev.json', '/guests/0/disks/1/vdev', 8, 'guest "web" has two disks named xvda (first at /guests/0/disks/0)', 'name each disk of a guest differently'],
  ['vif-multicast-mac.json', '/guests/0/vifs/0/mac', 7, 'MAC 01:16:3e:00:00:01 of guest "web" is a multicast address', 'the first byte must be even'],
  ['vif-duplicate-mac.json', '/guests/1/vifs/0/mac', 7, 'MAC 00:16:3e:00:00:01 of guest "db" is also used by guest "web" (/guests/0/vifs/0/mac)', 'its own MAC address'],
  ['disk-no-backend.json', '/guests/0/disks/0', 7, 'disk xvda of guest "web" has no backend: no block service serves the guest', 'add "web" or its tenant "acme" to the "serves" of a block service'],
  ['disk-two-backends.json', '/guests/0/disks/1', 8, 'disk xvdb of guest "web" names no backend, and 2 block services serve the guest: "blk-shared", "blk-web"', '"backend": "blk-shared"'],
  ['disk-two-backends.yaml', '/guests/0/disks/0', 11, 'disk xvda of guest "web" names no backend, and 2 block services serve the guest: "blk-shared", "blk-acme"', '"backend": "blk-shared"'],
  ['disk-unknown-backend.json', '/guests/0/disks/0/backend', 7, 'disk xvda of guest "web" names unknown backend "blk-wbe"', 'did you mean "blk-web"?'],
  ['disk-backend-wrong-role.json', '/guests/0/disks/0/backend', 7, 'disk xvda of guest "web" names "net", a network service, as its backend', 'name a block service'],
  ['vif-backend-not-serving.json', '/guests/0/vifs/0/backend', 7, 'vif 00:16:3e:00:00:01 of guest "web" names "net-globex" as its backend, but "net-globex" does not serve the guest', 'add "web" or its tenant "acme" to the "serves" of "net-globex"'],
  ['service-memory-limit.json', '/services/2/limits/memory', 7, 'service "xs-logic" is limited to 8MiB of memory, less than 16MiB', 'at least 16MiB'],
  // sharing
  ['serves-on-builder.json', '/services/3/serves', 8, 'a "builder" service does not serve guests', 'only toolstack, block, network services serve guests'],
  ['serves-unknown-tenant.json', '/services/3/serves/tenants/1', 9, '"toolstack" serves unknown tenant "initech"', 'name one of "acme", "globex"'],
  ['serves-unknown-guest.json', '/services/3/serves/guests/0', 12, '"net-web" serves unknown guest "wbe"', 'did you mean "web"?'],
  ['isolated-tenant-shared.json', '/services/3/serves', 13, '"toolstack" serves guests of tenants "bank", "shop", but tenant "bank" is isolated (/tenants/0)', 'give the guests of "bank" service VMs of their own'],
  ['isolated-tenant-shared.yaml', '/services/3/serves', 23, '"blk" serves guests of tenants "bank", "shop", but tenant "bank" is isolated (/tenants/0)', 'drop "isolated" from the tenant'],
  ['isolated-tenant-managed.json', '/privileges/toolstack/1', 18, '"ts-bank" manages guests through vm.manage:tenant:shop, so it acts for guests of tenants "bank", "shop", but tenant "bank" is isolated (/tenants/0)', 'use "vm.manage:own"'],
  ['isolated-tenant-granted.json', '/grants/0', 16, '"ts-bank" takes requests from guest "web" by a grant, so it acts for guests of tenants "bank", "shop", but tenant "bank" is isolated (/tenants/0)', 'only services that serve its own tenant'],
  ['isolated-tenant-builder-grant.json', '/grants/0', 17, '"ts-shop" may use builder "builder" for "ledger" by a grant, so it acts for guests of tenants "shop", "bank", but tenant "bank" is isolated (/tenants/0)', 'only guests of the tenants it serves'],
  ['isolated-tenant-uses-builder.yaml', '/services/4/uses/0', 20, '"ts-shop" uses builder "builder" for every guest, so it acts for guests of tenants "shop", "bank", but tenant "bank" is isolated (/tenants/0)', '"vm.manage:own" lets a toolstack reach the builder'],
  // privileges
  ['capability-wrong-role.json', '/privileges/block/1', 11, 'a "block" service cannot hold vm.create', 'vm.create is for boot, builder services'],
  ['disposable-standing-privilege.json', '/privileges/boot/1', 10, '"boot" is disposed of once the platform is up, but grant.issue is a standing privilege that would outlive it', 'a role that lives on: builder, toolstack'],
  ['pci-config-without-pci.json', '/privileges/pci-config', 11, 'a "pci-config" service needs pci.config to do its job', 'add "pci.config" to the list'],
  ['device-without-privilege.json', '/services/3/devices', 8, 'a "network" service cannot hold PCI devices: its role lacks device:assigned', 'add "device:assigned" to privileges.network'],
  ['manage-unknown-tenant.json', '/privileges/toolstack/1', 12, 'vm.manage:tenant:acmee names unknown tenant "acmee"', 'did you mean "acme"?'],
  ['bad-xenstore-path.json', '/privileges/xenstore-logic/0', 10, 'xenstore.write:/local/domain/ does not name a XenStore path', 'without a trailing /'],
  // grants
  ['grant-unknown-principal.json', '/grants/0/principal', 11, 'grant to unknown principal "toolstak"', 'did you mean "toolstack"?'],
  ['grant-unknown-service.json', '/grants/0/service', 11, 'grant of unknown service "monitor"', 'name one of "boot", "xs-state", "xs-logic", "toolstack"'],
  ['grant-unknown-guest.json', '/grants/0/guests/1', 16, 'grant about unknown guest "wbe"', 'did you mean "web"?'],
  ['grant-of-guest.json', '/grants/0/service', 15, 'grant of "web", a guest: only services are granted', 'a guest is granted as "principal"'],
  ['grant-self.json', '/grants/0/service', 11, '"toolstack" is granted itself', 'remove the grant'],
  ['grant-disposable.json', '/grants/0/service', 12, '"pci" is a pci-config service, disposed of once its job is done: nothing can use it', 'grant a service that lives on'],
  ['grant-guest-about-another.json', '/grants/0/guests/1', 16, 'guest "web" is granted requests about guest "db"', 'about itself only'],
  ['grant-guest-about-another.yaml', '/grants/0/guests/1', 25, 'guest "db" is granted requests about guest "web"', 'about itself only'],
  // uses and grants: requests flow one way, in boot order
  ['uses-itself.json', '/services/3/uses/1', 8, '"blk" uses itself', 'remove it from "uses"'],
  ['uses-later-service.json', '/services/2/uses/0', 7, '"xs-logic" (xenstore-logic) uses "blk" (block), which boots after it: "xs-logic" would wait for it forever', 'boot order is boot → pci-config → xenstore-state → xenstore-logic → builder + toolstack → block + network'],
  ['uses-cycle.json', '/grants/0', 12, 'services use each other in a cycle: "blk" → "net" → "blk"', 'remove one of these uses or grants'],
  ['uses-cycle.yaml', '/services/4/uses/0', 17, 'services use each other in a cycle: "toolstack" → "builder" → "toolstack"', 'requests between service VMs must flow one way'],
  // the schema, for the new sections
  ['bad-size.json', '/guests/0/memory', 6, 'size "256MB" has unknown unit "MB"', 'KiB, MiB, GiB or TiB'],
  ['bad-size.yaml', '/guests/0/disks/0/size', 12, 'size "10 GiB" contains white space', 'KiB, MiB, GiB or TiB'],
  ['bad-mac.json', '/guests/0/vifs/0/mac', 7, '"00:16:3E:00:00:01" is not a MAC address in lower-case hex', 'six pairs of lower-case hex digits'],
  ['bad-vdev.yaml', '/guests/0/disks/0/vdev', 11, '"sda" is not a disk device name', 'xvd followed by letters'],
  ['unknown-capability.json', '/privileges/toolstack/1', 11, '"vm.destroy" is not a capability', '`vm.manage:tenant:<tenant>`'],
  ['guest-unknown-property.json', '/guests/0', 7, 'unknown property "vcpu"', 'did you mean "vcpus"?'],
  ['standbys-on-xenstore.json', '/services/2/standbys', 7, 'a "xenstore-logic" service is rolled back without warm standbys', 'only builder, toolstack, block, network services keep them'],
];

describe('invalid policies: tenants, guests, sharing, privileges, grants', () => {
  it.each(INVALID)('%s: %s (line %i)', async (name, pointer, line, message, hint) => {
    const file = join(fixtures, name);
    const error = await loadPolicy(file).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PolicyInvalidError);
    const { issues } = error as PolicyInvalidError;
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file, pointer, line, message });
    expect(issues[0]?.hint).toContain(hint);
  });
});
