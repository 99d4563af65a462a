/** One PCI function as the host enumerates it. IDs are numbers; sysfs writes them as hex (`0x8086`). */
export interface PciDevice {
  /** `domain:bus:device.function`, lower-case hex: `0000:00:04.0`. */
  bdf: string;
  vendor: number;
  device: number;
  /** Class, subclass and programming interface: `0x020000` is an Ethernet controller. */
  class: number;
}
