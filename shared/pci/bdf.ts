/** A PCI address as sysfs writes it: `domain:bus:device.function`, lower-case hex (`0000:00:04.0`). */
const BDF = /^[0-9a-f]{4}:[0-9a-f]{2}:[01][0-9a-f]\.[0-7]$/;

export function isBdf(text: string): boolean {
  return BDF.test(text);
}
