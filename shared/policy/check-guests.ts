import { checkIds } from './check-ids.js';
import { unknownNameHint } from './closest-name.js';
import { SizeInvalidError } from './errors.js';
import type { PolicyProblem } from './errors.js';
import { toPointer } from './json-pointer.js';
import type { GuestDocument, HostPolicyDocument } from './policy-document.js';
import { RateInvalidError, parseRate } from './rate.js';
import { servicesServing } from './sharing.js';
import { parseSize } from './size.js';
import { Role } from './types.js';

/** The least memory a guest or a service VM may have. */
export const MIN_MEMORY_BYTES = 16 * 1024 ** 2;

/** A device kind: the guest's list it is in and the role that serves it. */
const DEVICE_KINDS = [
  { list: 'disks', role: Role.block, name: (device: { vdev?: string; mac?: string }) => `disk ${device.vdev}` },
  { list: 'vifs', role: Role.network, name: (device: { vdev?: string; mac?: string }) => `vif ${device.mac}` },
] as const;

/**
 * Tenants and guests: ids, the tenant each guest names, memory and disk sizes, vif rates, device names and
 * MAC addresses, and that every disk and vif has exactly one backend of the right role that serves
 * the guest (named, or the only one).
 */
export function checkGuests(document: HostPolicyDocument): PolicyProblem[] {
  const tenants = document.tenants ?? [];
  const guests = document.guests ?? [];
  const services = document.services.map((service, index) => ({ id: service.id, pointer: toPointer('services', index, 'id') }));
  return [
    ...checkIds('tenant', tenants.map((tenant, index) => ({ id: tenant.id, pointer: toPointer('tenants', index, 'id') })), { principal: false }),
    ...checkIds('guest', guests.map((guest, index) => ({ id: guest.id, pointer: toPointer('guests', index, 'id') })), { principal: true, others: services }),
    ...guests.flatMap((guest, index) => [
      ...checkTenant(document, guest, index),
      ...checkSizes(guest, index),
      ...checkVdevs(guest, index),
      ...checkBackends(document, guest, index),
    ]),
    ...checkMacs(guests),
  ];
}

function checkTenant(document: HostPolicyDocument, guest: GuestDocument, index: number): PolicyProblem[] {
  const ids = (document.tenants ?? []).map((tenant) => tenant.id);
  if (ids.includes(guest.tenant)) return [];
  return [{ pointer: toPointer('guests', index, 'tenant'), message: `guest "${guest.id}" belongs to unknown tenant "${guest.tenant}"`, hint: ids.length === 0 ? 'declare the tenant under "tenants"' : unknownNameHint(guest.tenant, ids, 'tenants') }];
}

function checkSizes(guest: GuestDocument, index: number): PolicyProblem[] {
  return [
    ...checkSize(toPointer('guests', index, 'memory'), guest.memory, MIN_MEMORY_BYTES, { message: `guest "${guest.id}" has ${guest.memory} of memory, less than 16MiB`, hint: 'give a guest at least 16MiB' }),
    ...(guest.disks ?? []).flatMap((disk, diskIndex) =>
      checkSize(toPointer('guests', index, 'disks', diskIndex, 'size'), disk.size, 1, { message: `disk ${disk.vdev} of guest "${guest.id}" has size 0`, hint: 'give the disk a size, e.g. "1GiB"' }),
    ),
    ...(guest.vifs ?? []).flatMap((vif, vifIndex) =>
      vif.rate === undefined ? [] : checkRate(toPointer('guests', index, 'vifs', vifIndex, 'rate'), vif.rate, { message: `vif ${vif.mac} of guest "${guest.id}" has rate 0`, hint: 'give the vif a rate, e.g. "100Mbit/s", or leave "rate" out for no limit' }),
    ),
  ];
}

/** A size of at least `min` bytes (else the problem `small`), and small enough to count in bytes. */
export function checkSize(pointer: string, text: string, min: number, small: { message: string; hint: string }): PolicyProblem[] {
  let bytes: number;
  try {
    bytes = parseSize(text);
  } catch (error) {
    if (error instanceof SizeInvalidError) return [{ pointer, message: error.message, hint: error.hint }];
    throw error;
  }
  return bytes < min ? [{ pointer, ...small }] : [];
}

/** A rate above zero, small enough to count in bits per second. */
function checkRate(pointer: string, text: string, zero: { message: string; hint: string }): PolicyProblem[] {
  let bitsPerSecond: number;
  try {
    bitsPerSecond = parseRate(text);
  } catch (error) {
    if (error instanceof RateInvalidError) return [{ pointer, message: error.message, hint: error.hint }];
    throw error;
  }
  return bitsPerSecond === 0 ? [{ pointer, ...zero }] : [];
}

function checkVdevs(guest: GuestDocument, index: number): PolicyProblem[] {
  const seen = new Map<string, number>();
  return (guest.disks ?? []).flatMap((disk, diskIndex) => {
    const first = seen.get(disk.vdev);
    if (first === undefined) {
      seen.set(disk.vdev, diskIndex);
      return [];
    }
    return [{ pointer: toPointer('guests', index, 'disks', diskIndex, 'vdev'), message: `guest "${guest.id}" has two disks named ${disk.vdev} (first at ${toPointer('guests', index, 'disks', first)})`, hint: 'name each disk of a guest differently: xvda, xvdb, …' }];
  });
}

function checkMacs(guests: readonly GuestDocument[]): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const owner = new Map<string, { guest: string; pointer: string }>();
  guests.forEach((guest, index) =>
    (guest.vifs ?? []).forEach((vif, vifIndex) => {
      const pointer = toPointer('guests', index, 'vifs', vifIndex, 'mac');
      if (parseInt(vif.mac.slice(0, 2), 16) % 2 === 1) {
        problems.push({ pointer, message: `MAC ${vif.mac} of guest "${guest.id}" is a multicast address`, hint: 'use a unicast address: the first byte must be even, e.g. 00:16:3e:xx:xx:xx (Xen\'s prefix)' });
      }
      const first = owner.get(vif.mac);
      if (first === undefined) owner.set(vif.mac, { guest: guest.id, pointer });
      else problems.push({ pointer, message: `MAC ${vif.mac} of guest "${guest.id}" is also used by guest "${first.guest}" (${first.pointer})`, hint: 'give every vif on the host its own MAC address' });
    }),
  );
  return problems;
}

function checkBackends(document: HostPolicyDocument, guest: GuestDocument, index: number): PolicyProblem[] {
  const view = { services: document.services, guests: document.guests ?? [] };
  return DEVICE_KINDS.flatMap(({ list, role, name }) =>
    (guest[list] ?? []).flatMap((device, deviceIndex): PolicyProblem[] => {
      const pointer = toPointer('guests', index, list, deviceIndex);
      const what = `${name(device)} of guest "${guest.id}"`;
      const serving = servicesServing(view, guest.id, role);
      if (device.backend === undefined) {
        if (serving.length === 1) return [];
        return serving.length === 0
          ? [{ pointer, message: `${what} has no backend: no ${role} service serves the guest`, hint: `add "${guest.id}" or its tenant "${guest.tenant}" to the "serves" of a ${role} service` }]
          : [{ pointer, message: `${what} names no backend, and ${serving.length} ${role} services serve the guest: ${serving.map((id) => `"${id}"`).join(', ')}`, hint: `name the one that serves it in "backend", e.g. "backend": "${serving[0]}"` }];
      }
      const backendPointer = `${pointer}/backend`;
      const backend = document.services.find((service) => service.id === device.backend);
      if (backend === undefined) {
        return [{ pointer: backendPointer, message: `${what} names unknown backend "${device.backend}"`, hint: unknownNameHint(device.backend, document.services.filter((s) => s.role === role).map((s) => s.id), `${role} services`) }];
      }
      if (backend.role !== role) {
        return [{ pointer: backendPointer, message: `${what} names "${backend.id}", a ${backend.role} service, as its backend`, hint: `name a ${role} service` }];
      }
      if (!serving.includes(backend.id)) {
        return [{ pointer: backendPointer, message: `${what} names "${backend.id}" as its backend, but "${backend.id}" does not serve the guest`, hint: `add "${guest.id}" or its tenant "${guest.tenant}" to the "serves" of "${backend.id}"` }];
      }
      return [];
    }),
  );
}
