import { setTimeout as sleep } from 'node:timers/promises';

/** Polls until `condition` holds; the test's own timeout bounds it. */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(5);
}
