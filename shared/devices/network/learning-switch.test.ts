import { SimulatedClock } from 'xstate';
import { beforeEach, describe, expect, it } from 'vitest';
import { MacInUseError, PortExistsError } from './errors.js';
import { buildFrame } from './ethernet-frame.js';
import { LearningSwitch } from './learning-switch.js';
import { BROADCAST_MAC } from './mac-address.js';
import { MAC_AGEING_MS } from './mac-table.js';
import { emptyCounters } from './port-counters.js';

const A = '00:16:3e:00:00:0a';
const B = '00:16:3e:00:00:0b';
const C = '00:16:3e:00:00:0c';

function frame(source: string, destination: string, payloadBytes = 46): Uint8Array {
  return buildFrame({ destination, source, etherType: 0x0800, payload: new Uint8Array(payloadBytes) });
}

describe('LearningSwitch', () => {
  let clock: SimulatedClock;
  let net: LearningSwitch;
  beforeEach(() => {
    clock = new SimulatedClock();
    net = new LearningSwitch(clock);
    net.addPort({ id: 'web/0', guest: 'web', mac: A });
    net.addPort({ id: 'db/0', guest: 'db', mac: B });
    net.addPort({ id: 'cache/0', guest: 'cache', mac: C });
  });

  /** The ports a frame from `port` is delivered to. */
  function deliveredTo(port: string, bytes: Uint8Array): readonly string[] {
    const decision = net.send(port, bytes);
    if (decision.action !== 'deliver') throw new Error(`expected a delivery, got ${JSON.stringify(decision.refusal)}`);
    return decision.to;
  }

  describe('forwarding', () => {
    it('floods a frame to an address it has not learned to every other port', () => {
      expect(deliveredTo('web/0', frame(A, B))).toEqual(['db/0', 'cache/0']);
    });

    it('delivers to the learned port only, once the destination has sent', () => {
      expect(deliveredTo('db/0', frame(B, A))).toEqual(['web/0', 'cache/0']);
      expect(deliveredTo('web/0', frame(A, B))).toEqual(['db/0']);
      expect(deliveredTo('db/0', frame(B, A))).toEqual(['web/0']);
    });

    it('delivers the frame it was given, padded to 60 bytes when shorter', () => {
      const bytes = frame(A, B);
      expect(net.send('web/0', bytes)).toEqual({ action: 'deliver', frame: bytes, to: ['db/0', 'cache/0'] });
      const short = net.send('web/0', frame(A, B).subarray(0, 42));
      expect(short).toMatchObject({ action: 'deliver', to: ['db/0', 'cache/0'] });
      expect(short.action === 'deliver' && short.frame.length).toBe(60);
    });

    it('floods broadcast and multicast to every other port, learned or not, never back to the sender', () => {
      deliveredTo('db/0', frame(B, A));
      deliveredTo('cache/0', frame(C, A));
      expect(deliveredTo('web/0', frame(A, BROADCAST_MAC))).toEqual(['db/0', 'cache/0']);
      expect(deliveredTo('db/0', frame(B, BROADCAST_MAC))).toEqual(['web/0', 'cache/0']);
      expect(deliveredTo('web/0', frame(A, '01:00:5e:00:00:fb'))).toEqual(['db/0', 'cache/0']);
      expect(deliveredTo('web/0', frame(A, '33:33:00:00:00:01'))).toEqual(['db/0', 'cache/0']);
    });

    it('delivers a frame to its own sender nowhere', () => {
      deliveredTo('web/0', frame(A, B));
      expect(deliveredTo('web/0', frame(A, A))).toEqual([]);
    });

    it('forgets an address idle for the ageing time, and keeps one that goes on sending', () => {
      deliveredTo('db/0', frame(B, A));
      clock.increment(MAC_AGEING_MS - 1);
      expect(deliveredTo('web/0', frame(A, B))).toEqual(['db/0']);
      clock.increment(1);
      expect(deliveredTo('web/0', frame(A, B))).toEqual(['db/0', 'cache/0']);

      deliveredTo('db/0', frame(B, A));
      clock.increment(MAC_AGEING_MS - 1);
      deliveredTo('db/0', frame(B, A));
      clock.increment(MAC_AGEING_MS - 1);
      expect(deliveredTo('web/0', frame(A, B))).toEqual(['db/0']);
    });
  });

  describe('anti-spoofing', () => {
    it("refuses a frame sent as another guest's MAC, naming the claimed and the assigned address", () => {
      expect(net.send('web/0', frame(B, C))).toEqual({
        action: 'refuse',
        refusal: { reason: 'spoofed-source', port: 'web/0', guest: 'web', claimed: B, assigned: A },
      });
    });

    it('refuses any source but the assigned one, a group address too', () => {
      for (const source of [BROADCAST_MAC, '02:00:00:00:00:01', '00:00:00:00:00:00']) {
        expect(net.send('web/0', frame(source, B))).toMatchObject({ action: 'refuse', refusal: { reason: 'spoofed-source', claimed: source } });
      }
      expect(net.counters('web/0')?.drops['spoofed-source']).toBe(3);
    });

    it('learns nothing from a spoofed frame: an unlearned address stays unlearned', () => {
      net.send('web/0', frame(B, C));
      expect(deliveredTo('cache/0', frame(C, B))).toEqual(['web/0', 'db/0']);
    });

    it('learns nothing from a spoofed frame: a learned address stays on its port', () => {
      deliveredTo('db/0', frame(B, A));
      net.send('web/0', frame(B, C));
      expect(deliveredTo('cache/0', frame(C, B))).toEqual(['db/0']);
    });

    it('counts a spoofed frame as a drop of its port only', () => {
      net.send('web/0', frame(B, BROADCAST_MAC));
      expect(net.counters('web/0')).toEqual({ ...emptyCounters(), drops: { ...emptyCounters().drops, 'spoofed-source': 1 } });
      expect(net.counters('db/0')).toEqual(emptyCounters());
      expect(net.counters('cache/0')).toEqual(emptyCounters());
    });
  });

  describe('rate', () => {
    beforeEach(() => {
      net.addPort({ id: 'slow/0', guest: 'slow', mac: '00:16:3e:00:00:5e', rate: { bytesPerSecond: 1_000, burstBytes: 1_514 } });
    });

    it('drops what is over the rate, exactly at the bucket boundary, and counts the drops', () => {
      const slow = '00:16:3e:00:00:5e';
      expect(net.send('slow/0', frame(slow, A, 1_500))).toMatchObject({ action: 'deliver' });
      expect(net.send('slow/0', frame(slow, A))).toEqual({ action: 'refuse', refusal: { reason: 'rate-exceeded', port: 'slow/0', guest: 'slow', length: 60 } });
      clock.increment(59);
      expect(net.send('slow/0', frame(slow, A))).toMatchObject({ action: 'refuse', refusal: { reason: 'rate-exceeded' } });
      clock.increment(1);
      expect(net.send('slow/0', frame(slow, A))).toMatchObject({ action: 'deliver' });
      expect(net.counters('slow/0')).toMatchObject({ framesIn: 2, bytesIn: 1_574, drops: { 'rate-exceeded': 2 } });
    });

    it('charges a short frame as the 60 bytes it is padded to', () => {
      const slow = '00:16:3e:00:00:5e';
      expect(net.send('slow/0', frame(slow, A, 1_446))).toMatchObject({ action: 'deliver' });
      expect(net.send('slow/0', frame(slow, A).subarray(0, 42))).toMatchObject({ action: 'refuse', refusal: { reason: 'rate-exceeded', length: 60 } });
      clock.increment(6);
      expect(net.send('slow/0', frame(slow, A).subarray(0, 42))).toMatchObject({ action: 'deliver' });
    });

    it('limits only the port that has a rate', () => {
      for (let i = 0; i < 1_000; i += 1) expect(net.send('web/0', frame(A, B, 1_500)).action).toBe('deliver');
    });
  });

  describe('ports', () => {
    it('forgets a removed port: its learned address, its counters, and frames from it', () => {
      deliveredTo('db/0', frame(B, A));
      net.removePort('db/0');
      expect(deliveredTo('web/0', frame(A, B))).toEqual(['cache/0']);
      expect(net.counters('db/0')).toBeUndefined();
      expect(net.send('db/0', frame(B, A))).toEqual({ action: 'refuse', refusal: { reason: 'unknown-port', port: 'db/0' } });
    });

    it('takes a port back fresh once it reconnects', () => {
      deliveredTo('db/0', frame(B, A));
      net.removePort('db/0');
      net.addPort({ id: 'db/0', guest: 'db', mac: B });
      expect(deliveredTo('web/0', frame(A, B))).toEqual(['cache/0', 'db/0']);
      expect(net.counters('db/0')).toMatchObject({ framesIn: 0, framesOut: 1 });
    });

    it('refuses a port it already has, and a MAC another port has', () => {
      expect(() => net.addPort({ id: 'db/0', guest: 'db', mac: '00:16:3e:00:00:0d' })).toThrow(PortExistsError);
      expect(() => net.addPort({ id: 'evil/0', guest: 'evil', mac: B.toUpperCase() })).toThrow(MacInUseError);
    });

    it('refuses and counts a frame without a whole header, or too long', () => {
      expect(net.send('web/0', new Uint8Array(13))).toEqual({ action: 'refuse', refusal: { reason: 'malformed', port: 'web/0', guest: 'web', problem: 'too-short', length: 13 } });
      expect(net.send('web/0', new Uint8Array(1_515))).toMatchObject({ action: 'refuse', refusal: { reason: 'malformed', problem: 'too-long', length: 1_515 } });
      expect(net.counters('web/0')?.drops.malformed).toBe(2);
    });

    it('counts frames and bytes in and out of each port', () => {
      deliveredTo('web/0', frame(A, BROADCAST_MAC, 100));
      deliveredTo('db/0', frame(B, A));
      expect(net.counters('web/0')).toMatchObject({ framesIn: 1, bytesIn: 114, framesOut: 1, bytesOut: 60 });
      expect(net.counters('db/0')).toMatchObject({ framesIn: 1, bytesIn: 60, framesOut: 1, bytesOut: 114 });
      expect(net.counters('cache/0')).toMatchObject({ framesIn: 0, bytesIn: 0, framesOut: 1, bytesOut: 114 });
    });

    it('hands out a copy of the counters', () => {
      net.counters('web/0')!.drops.malformed = 5;
      expect(net.counters('web/0')).toEqual(emptyCounters());
    });
  });
});
