import type { Clock } from '../../clock.js';
import { FrameInvalidError, MacInUseError, PortExistsError } from './errors.js';
import { type EthernetFrame, parseFrame } from './ethernet-frame.js';
import { type MacAddress, formatMac, isMulticast, parseMac } from './mac-address.js';
import { MacTable } from './mac-table.js';
import { type PortCounters, emptyCounters } from './port-counters.js';
import { RefusalReason, type SwitchDecision } from './switch-decision.js';
import { type Rate, TokenBucket } from './token-bucket.js';

/** A vif the backend serves. */
export interface SwitchPort {
  id: string;
  guest: string;
  /** The address the policy assigns the vif: the only source address it may send from. */
  mac: MacAddress;
  /** What the guest may send; no limit when absent. */
  rate?: Rate;
}

interface PortState {
  port: SwitchPort;
  bucket: TokenBucket | undefined;
  counters: PortCounters;
}

/**
 * A learning L2 switch between the vifs of one network backend. A frame is refused unless its
 * source is its port's assigned MAC and it fits the port's rate; otherwise it goes to the port its
 * destination was learned on, or, for a group or unknown address, to every other port. Only
 * forwarded frames are learned, so the table holds assigned addresses only: one a port at most.
 */
export class LearningSwitch {
  private readonly ports = new Map<string, PortState>();
  private readonly table: MacTable;

  constructor(private readonly clock: Pick<Clock, 'now'>) {
    this.table = new MacTable(clock);
  }

  addPort(port: SwitchPort): void {
    if (this.ports.has(port.id)) throw new PortExistsError(port.id);
    const mac = formatMac(parseMac(port.mac));
    const holder = [...this.ports.values()].find((other) => other.port.mac === mac);
    if (holder !== undefined) throw new MacInUseError(mac, port.id, holder.port.id);
    this.ports.set(port.id, {
      port: { ...port, mac },
      bucket: port.rate === undefined ? undefined : new TokenBucket(port.rate, this.clock),
      counters: emptyCounters(),
    });
  }

  /** The vif disconnected: its learned addresses, rate and counters go with it. */
  removePort(id: string): void {
    if (!this.ports.delete(id)) return;
    this.table.forgetPort(id);
  }

  send(id: string, bytes: Uint8Array): SwitchDecision {
    const state = this.ports.get(id);
    if (state === undefined) return { action: 'refuse', refusal: { reason: RefusalReason.unknownPort, port: id } };
    const { port, counters } = state;
    let frame: EthernetFrame;
    try {
      frame = parseFrame(bytes);
    } catch (error) {
      if (!(error instanceof FrameInvalidError)) throw error;
      counters.drops[RefusalReason.malformed] += 1;
      return { action: 'refuse', refusal: { reason: RefusalReason.malformed, port: id, guest: port.guest, problem: error.problem, length: error.length } };
    }
    if (frame.source !== port.mac) {
      counters.drops[RefusalReason.spoofedSource] += 1;
      return { action: 'refuse', refusal: { reason: RefusalReason.spoofedSource, port: id, guest: port.guest, claimed: frame.source, assigned: port.mac } };
    }
    const length = frame.bytes.length;
    if (state.bucket !== undefined && !state.bucket.take(length)) {
      counters.drops[RefusalReason.rateExceeded] += 1;
      return { action: 'refuse', refusal: { reason: RefusalReason.rateExceeded, port: id, guest: port.guest, length } };
    }
    this.table.learn(frame.source, id);
    counters.framesIn += 1;
    counters.bytesIn += length;
    const to = this.destinations(id, frame.destination);
    for (const out of to) {
      const outCounters = this.ports.get(out)!.counters;
      outCounters.framesOut += 1;
      outCounters.bytesOut += length;
    }
    return { action: 'deliver', frame: frame.bytes, to };
  }

  /** A copy of the port's counters; none for a port the switch does not have. */
  counters(id: string): PortCounters | undefined {
    const counters = this.ports.get(id)?.counters;
    return counters === undefined ? undefined : { ...counters, drops: { ...counters.drops } };
  }

  private destinations(from: string, destination: MacAddress): string[] {
    const learned = isMulticast(destination) ? undefined : this.table.portOf(destination);
    if (learned === undefined) return [...this.ports.keys()].filter((id) => id !== from);
    return learned === from ? [] : [learned];
  }
}
