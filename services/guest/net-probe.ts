import { buildFrame, parseFrame } from '../../shared/devices/network/ethernet-frame.js';
import { type MacAddress, formatMac, parseMac } from '../../shared/devices/network/mac-address.js';
import type { NetWorkloadCounters } from '../../shared/guest/guest-report.js';

/** IEEE 802 local experimental EtherType 1: nothing else on the segment speaks it. */
export const PROBE_ETHER_TYPE = 0x88b5;

/** How long a request waits for its answer before it counts as lost. */
export const PROBE_DEADLINE_MS = 2_000;

/** The payload: one byte of kind, then the request's sequence number (big-endian). */
const ProbeKind = { request: 1, reply: 2 } as const;
type ProbeKind = (typeof ProbeKind)[keyof typeof ProbeKind];

interface Link {
  send(frame: Uint8Array): boolean;
}

/**
 * Request/response traffic on one vif: answers every probe request addressed to this guest, and,
 * once started, sends a request to a peer every interval and counts its answer, or its loss after
 * PROBE_DEADLINE_MS. A request the link could not send (the backend not connected) is not counted.
 */
export class NetProbe {
  private readonly counters: NetWorkloadCounters = { sent: 0, answered: 0, lost: 0, served: 0 };
  private readonly outstanding = new Map<number, NodeJS.Timeout>();
  private readonly mac: MacAddress;
  private lastSeq = 0;
  private interval: NodeJS.Timeout | undefined;

  constructor(
    private readonly link: Link,
    mac: MacAddress,
  ) {
    this.mac = formatMac(parseMac(mac));
  }

  /** A frame the vif delivered. */
  receive(bytes: Uint8Array): void {
    let frame;
    try {
      frame = parseFrame(bytes);
    } catch {
      return;
    }
    if (frame.etherType !== PROBE_ETHER_TYPE || frame.destination !== this.mac || frame.payload.length < 5) return;
    const view = new DataView(frame.payload.buffer, frame.payload.byteOffset, frame.payload.byteLength);
    const seq = view.getUint32(1);
    if (frame.payload[0] === ProbeKind.request) {
      if (this.link.send(this.frame(frame.source, ProbeKind.reply, seq))) this.counters.served++;
    } else if (frame.payload[0] === ProbeKind.reply) {
      const deadline = this.outstanding.get(seq);
      if (deadline === undefined) return;
      clearTimeout(deadline);
      this.outstanding.delete(seq);
      this.counters.answered++;
    }
  }

  start(peerMac: MacAddress, intervalMs: number): void {
    const peer = formatMac(parseMac(peerMac));
    this.interval ??= setInterval(() => this.probe(peer), intervalMs);
  }

  stop(): void {
    clearInterval(this.interval);
    for (const deadline of this.outstanding.values()) clearTimeout(deadline);
    this.outstanding.clear();
  }

  snapshot(): NetWorkloadCounters {
    return { ...this.counters };
  }

  private probe(peer: MacAddress): void {
    const seq = ++this.lastSeq;
    // Expected before it is sent: the answer may arrive before send returns.
    const deadline = setTimeout(() => {
      this.outstanding.delete(seq);
      this.counters.lost++;
    }, PROBE_DEADLINE_MS);
    this.outstanding.set(seq, deadline);
    if (this.link.send(this.frame(peer, ProbeKind.request, seq))) {
      this.counters.sent++;
      return;
    }
    clearTimeout(deadline);
    this.outstanding.delete(seq);
  }

  private frame(destination: MacAddress, kind: ProbeKind, seq: number): Uint8Array {
    const payload = new Uint8Array(5);
    payload[0] = kind;
    new DataView(payload.buffer).setUint32(1, seq);
    return buildFrame({ destination, source: this.mac, etherType: PROBE_ETHER_TYPE, payload });
  }
}
