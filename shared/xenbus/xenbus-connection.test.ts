import { describe, expect, it } from 'vitest';
import { LogicHarness } from '../xenstore/testing/logic-harness.js';
import { harnessXenbus } from './testing/harness-xenbus.js';

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('XenbusConnection', () => {
  it('routes each watch event to its own listener, the first at once, until the watch ends', async () => {
    const harness = await LogicHarness.open();
    const dom0 = await harnessXenbus(harness)(0);
    const a: string[] = [];
    const b: string[] = [];
    const stopA = await dom0.watch('/a', (path) => a.push(path));
    await dom0.watch('/b', (path) => b.push(path));
    await dom0.client.write('/a/x', '1');
    await dom0.client.write('/b', '2');
    await settle();
    expect(a).toEqual(['/a', '/a/x']);
    expect(b).toEqual(['/b', '/b']);

    stopA();
    await dom0.client.write('/a/y', '3');
    await settle();
    expect(a).toEqual(['/a', '/a/x']);
    // The watch itself is gone from XenStore: its path and token (the first one given) are free again.
    await expect(dom0.client.watch('/b', 'xenbus-2')).rejects.toMatchObject({ errno: 'EEXIST' });
    await expect(dom0.client.watch('/a', 'xenbus-1')).resolves.toBeUndefined();
  });
});
