/** Broker principals that are not service VMs; no service may take these names. */
export const ReservedPrincipal = {
  /** The trusted core: lifecycle, drivers, broker configuration, audit writer. */
  supervisor: 'supervisor',
  /** The CLI, on behalf of the host's operator. */
  operator: 'operator',
  auditor: 'auditor',
} as const;
export type ReservedPrincipal = (typeof ReservedPrincipal)[keyof typeof ReservedPrincipal];

export function isReservedPrincipal(name: string): name is ReservedPrincipal {
  return (Object.values(ReservedPrincipal) as string[]).includes(name);
}
