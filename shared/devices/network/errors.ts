import { XoarError } from '../../errors/xoar-error.js';
import type { FrameProblem } from './ethernet-frame.js';

export class MacInvalidError extends XoarError {
  readonly text: string;

  constructor(text: string) {
    super('mac-invalid', `"${text}" is not a MAC address`, { hint: 'write six pairs of hex digits separated by colons, e.g. 00:16:3e:00:00:01' });
    this.text = text;
  }
}

/** Bytes that are not an Ethernet frame (without FCS) we forward. */
export class FrameInvalidError extends XoarError {
  readonly problem: FrameProblem;
  readonly length: number;

  constructor(problem: FrameProblem, length: number) {
    super(
      'frame-invalid',
      problem === 'too-short' ? `a frame of ${length} bytes has no whole Ethernet header (14 bytes)` : `a frame of ${length} bytes is longer than Ethernet's 1514 bytes (without FCS)`,
      { hint: problem === 'too-short' ? 'send at least the destination, source and EtherType' : 'send at most 1500 bytes of payload: the vif has an MTU of 1500' },
    );
    this.problem = problem;
    this.length = length;
  }
}

export class PortExistsError extends XoarError {
  readonly port: string;

  constructor(port: string) {
    super('switch-port-exists', `port "${port}" is already on the switch`, { hint: 'remove the port (its vif disconnected) before adding it again' });
    this.port = port;
  }
}

/** Two ports with one MAC would let one guest receive the other's frames. */
export class MacInUseError extends XoarError {
  readonly mac: string;
  readonly port: string;
  readonly usedBy: string;

  constructor(mac: string, port: string, usedBy: string) {
    super('switch-mac-in-use', `port "${port}" is assigned MAC ${mac}, which port "${usedBy}" already has`, { hint: 'give every vif its own MAC address in the policy' });
    this.mac = mac;
    this.port = port;
    this.usedBy = usedBy;
  }
}
