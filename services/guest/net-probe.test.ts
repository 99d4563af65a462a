import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildFrame } from '../../shared/devices/network/ethernet-frame.js';
import { NetProbe, PROBE_DEADLINE_MS, PROBE_ETHER_TYPE } from './net-probe.js';

const A = '00:16:3e:00:00:0a';
const B = '00:16:3e:00:00:0b';

/** Two probes on one wire; the wire delivers while `up`, and can lose what B sends. */
function wire() {
  const state = { up: true, dropFromB: false };
  const sent: Uint8Array[] = [];
  let a: NetProbe | undefined;
  let b: NetProbe | undefined;
  a = new NetProbe({ send: (frame) => state.up && (sent.push(frame), b?.receive(frame), true) }, A);
  b = new NetProbe({ send: (frame) => state.up && (sent.push(frame), state.dropFromB || a?.receive(frame), true) }, B.toUpperCase());
  return { a, b, state, sent };
}

describe('NetProbe', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('sends a request every interval and counts each answer; the peer counts what it served', () => {
    const { a, b, sent } = wire();
    a.start(B, 100);
    vi.advanceTimersByTime(99);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(201);
    expect(a.snapshot()).toEqual({ sent: 3, answered: 3, lost: 0, served: 0 });
    expect(b.snapshot()).toEqual({ sent: 0, answered: 0, lost: 0, served: 3 });
    expect([...sent[0]!.subarray(0, 14)]).toEqual([0, 0x16, 0x3e, 0, 0, 0x0b, 0, 0x16, 0x3e, 0, 0, 0x0a, 0x88, 0xb5]);
    a.stop();
  });

  it('counts a request lost exactly PROBE_DEADLINE_MS after it went unanswered', () => {
    const { a, state } = wire();
    state.dropFromB = true;
    a.start(B, 1000);
    vi.advanceTimersByTime(1000 + PROBE_DEADLINE_MS - 1);
    expect(a.snapshot()).toMatchObject({ sent: 2, lost: 0 });
    vi.advanceTimersByTime(1);
    expect(a.snapshot()).toMatchObject({ sent: 3, answered: 0, lost: 1 });
    a.stop();
  });

  it('does not count what the link could not send', () => {
    const { a, state } = wire();
    state.up = false;
    a.start(B, 10);
    vi.advanceTimersByTime(100);
    expect(a.snapshot()).toEqual({ sent: 0, answered: 0, lost: 0, served: 0 });
    a.stop();
  });

  it('ignores frames of another EtherType, for another MAC, unknown answers and garbage', () => {
    const { a, b, sent } = wire();
    const payload = Uint8Array.of(1, 0, 0, 0, 1);
    b.receive(buildFrame({ destination: B, source: A, etherType: 0x0800, payload }));
    b.receive(buildFrame({ destination: '00:16:3e:00:00:0c', source: A, etherType: PROBE_ETHER_TYPE, payload }));
    a.receive(buildFrame({ destination: A, source: B, etherType: PROBE_ETHER_TYPE, payload: Uint8Array.of(2, 0, 0, 0, 9) }));
    b.receive(Uint8Array.of(1, 2, 3));
    expect(sent).toEqual([]);
    expect(a.snapshot()).toEqual({ sent: 0, answered: 0, lost: 0, served: 0 });
  });
});
