/** A driver domain as guests' devices name it: its domain, and the directory its service keeps files in (a block service, its images). */
export interface DriverDomain {
  name: string;
  domid: number;
  dir: string | undefined;
}

/**
 * The live domains of each block and network service, by instance. A guest's devices go to the
 * lowest-numbered: the one serving, as a warm standby is numbered after every instance its
 * service used, and serves only once the instance before it is on its way out.
 */
export class DriverDomains {
  private readonly byService = new Map<string, Map<number, DriverDomain>>();

  add(serviceId: string, instance: number, domain: DriverDomain): void {
    const instances = this.byService.get(serviceId) ?? new Map<number, DriverDomain>();
    instances.set(instance, domain);
    this.byService.set(serviceId, instances);
  }

  remove(serviceId: string, instance: number): void {
    this.byService.get(serviceId)?.delete(instance);
  }

  serving(serviceId: string): DriverDomain | undefined {
    const instances = this.byService.get(serviceId);
    if (instances === undefined || instances.size === 0) return undefined;
    return instances.get(Math.min(...instances.keys()));
  }
}
