import { guestOfRequest, SupervisorOp } from '../../shared/bus/subjects.js';
import type { GuestConfig, GuestWorkload } from '../../shared/guest/guest-config.js';
import { BuilderOp, type BuiltGuest, type CreatedGuest } from '../../shared/guest/guest-ops.js';
import { DeviceKind } from '../../shared/policy/live-grants.js';
import { Role } from '../../shared/policy/types.js';
import type { ServiceContext, ServiceDefinition } from '../../shared/service/service-definition.js';
import { domainHome, vbdEntries, vifEntries, type XenstoreDirectory } from '../../shared/xenbus/device-entries.js';
import { writeDirectories } from '../../shared/xenbus/write-directories.js';
import { XenbusConnection } from '../../shared/xenbus/xenbus-connection.js';
import { busChannels } from '../../shared/xenstore/bus-client.js';
import { XenstoreRequestError } from '../../shared/xenstore/xenstore-client.js';

/**
 * The Builder: creates a guest's domain through the supervisor (it holds `vm.create`), writes its
 * XenStore entries as Xen's toolstack does (it holds `xenstore.write:/local/domain`), wires every
 * disk and vif to its backend by a runtime grant (it holds `grant.issue`), then starts it.
 */
export const builderService: ServiceDefinition = {
  role: Role.builder,
  init: async (ctx) => {
    const xenbus = await XenbusConnection.open(busChannels({ nc: ctx.nc, host: ctx.spec.host, domid: Number(ctx.spec.config['domid']) }));
    ctx.serve(`g.*.${BuilderOp.build}`, (payload, subject) => build(ctx, xenbus, guestOfRequest(subject), (payload as { workload?: GuestWorkload } | null)?.workload ?? null));
    ctx.serve(`g.*.${BuilderOp.destroy}`, (_payload, subject) => destroy(ctx, xenbus, guestOfRequest(subject)));
  },
};

async function build(ctx: ServiceContext, xenbus: XenbusConnection, guest: string, workload: GuestWorkload | null): Promise<BuiltGuest> {
  const { domid, config } = await ctx.requestSupervisor<CreatedGuest>(SupervisorOp.vmCreate, { guest, workload });
  try {
    const devices = deviceEntriesOf(config);
    for (const backend of new Set([...config.disks, ...config.vifs].map((device) => device.backendDomid))) await ensureHome(xenbus, backend);
    await writeDirectories(xenbus.client, [domainHome(domid), ...devices.flatMap((device) => [device.entries.frontend, device.entries.backend])]);
    for (const { grant } of devices) await ctx.requestSupervisor(SupervisorOp.grantIssue, { guest, ...grant }, guestOpTimeout(ctx));
    await ctx.requestSupervisor(SupervisorOp.vmStart, { guest }, guestOpTimeout(ctx));
    return { guest, domid };
  } catch (error) {
    await destroy(ctx, xenbus, guest).catch((cleanup: unknown) => ctx.log.error('could not clean up a guest that failed to build', { guest, error: String(cleanup) }));
    throw error;
  }
}

/** Ends the guest's domain (the supervisor revokes its grants), then removes its XenStore entries: its backends close their devices. */
async function destroy(ctx: ServiceContext, xenbus: XenbusConnection, guest: string): Promise<{ guest: string; destroyed: true }> {
  const { domid, config } = await ctx.requestSupervisor<CreatedGuest>(SupervisorOp.vmDestroy, { guest }, guestOpTimeout(ctx));
  const directories = [...deviceEntriesOf(config).map((device) => device.entries.backend.path), domainHome(domid).path];
  for (const path of directories) await removeIfPresent(xenbus, path);
  return { guest, destroyed: true };
}

/**
 * The host's budget for starting or ending a guest (instance-spec.ts puts it in the builder's
 * config), which each step asked of the supervisor may take: a grant is answered once the broker
 * has reloaded, which on a busy dom0 under emulation took longer than any fixed wait allowed.
 */
function guestOpTimeout(ctx: ServiceContext): number {
  return Number(ctx.spec.config['guestOpTimeoutMs']);
}

function deviceEntriesOf(config: GuestConfig) {
  return [
    ...config.disks.map((disk) => ({
      entries: vbdEntries({ guest: config.domid, guestName: config.id, backend: disk.backendDomid, vdev: disk.vdev, params: disk.vdev, sizeBytes: disk.sizeBytes }),
      grant: { service: disk.backend, device: { kind: DeviceKind.vbd, id: disk.vdev } },
    })),
    ...config.vifs.map((vif, index) => ({
      entries: vifEntries({ guest: config.domid, guestName: config.id, backend: vif.backendDomid, index, mac: vif.mac, ...(vif.rateBitsPerSecond === undefined ? {} : { rateBitsPerSecond: vif.rateBitsPerSecond }) }),
      grant: { service: vif.backend, device: { kind: DeviceKind.vif, id: vif.mac } },
    })),
  ] satisfies Array<{ entries: { frontend: XenstoreDirectory; backend: XenstoreDirectory }; grant: unknown }>;
}

/** A backend's home, created the first time a guest is wired to it (libxl makes one per domain). */
async function ensureHome(xenbus: XenbusConnection, domid: number): Promise<void> {
  const home = domainHome(domid);
  const exists = await xenbus.client.read(home.path).then(
    () => true,
    (error: unknown) => {
      if (error instanceof XenstoreRequestError && error.errno === 'ENOENT') return false;
      throw error;
    },
  );
  if (!exists) await writeDirectories(xenbus.client, [home]);
}

async function removeIfPresent(xenbus: XenbusConnection, path: string): Promise<void> {
  await xenbus.client.remove(path).catch((error: unknown) => {
    if (!(error instanceof XenstoreRequestError && error.errno === 'ENOENT')) throw error;
  });
}
