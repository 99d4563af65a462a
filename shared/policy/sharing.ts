import type { Role, Serves } from './types.js';

/** What sharing is decided from, in a policy file or after defaults: a missing `serves` is `none`. */
export interface SharingView {
  services: ReadonlyArray<{ id: string; role: Role; serves?: Serves | undefined }>;
  guests: ReadonlyArray<{ id: string; tenant: string }>;
}

/** The ids of the guests a service serves, in policy order. */
export function guestsServedBy(view: SharingView, serviceId: string): string[] {
  const serves = view.services.find((service) => service.id === serviceId)?.serves ?? 'none';
  return view.guests.filter((guest) => servesGuest(serves, guest)).map((guest) => guest.id);
}

/** The services of `role` that serve a guest, in policy order. */
export function servicesServing(view: SharingView, guestId: string, role: Role): string[] {
  const guest = view.guests.find((candidate) => candidate.id === guestId);
  if (guest === undefined) return [];
  return view.services.filter((service) => service.role === role && servesGuest(service.serves ?? 'none', guest)).map((service) => service.id);
}

function servesGuest(serves: Serves, guest: { id: string; tenant: string }): boolean {
  if (serves === 'none') return false;
  if (serves === 'all') return true;
  return 'tenants' in serves ? serves.tenants.includes(guest.tenant) : serves.guests.includes(guest.id);
}

/** The tenants whose guests a service serves, in policy order of the guests. */
export function tenantsServedBy(view: SharingView, serviceId: string): string[] {
  const served = new Set(guestsServedBy(view, serviceId));
  return [...new Set(view.guests.filter((guest) => served.has(guest.id)).map((guest) => guest.tenant))];
}
