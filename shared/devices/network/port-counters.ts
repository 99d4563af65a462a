import { RefusalReason } from './switch-decision.js';

/** The refusals a port counts: all but those of frames from a port the switch does not have. */
export type DropReason = Exclude<RefusalReason, typeof RefusalReason.unknownPort>;

export interface PortCounters {
  /** Frames the guest sent that the switch forwarded. */
  framesIn: number;
  bytesIn: number;
  /** Frames the switch delivered to the guest. */
  framesOut: number;
  bytesOut: number;
  /** Frames the guest sent that the switch refused, by reason. */
  drops: Record<DropReason, number>;
}

export function emptyCounters(): PortCounters {
  return {
    framesIn: 0,
    bytesIn: 0,
    framesOut: 0,
    bytesOut: 0,
    drops: { [RefusalReason.malformed]: 0, [RefusalReason.spoofedSource]: 0, [RefusalReason.rateExceeded]: 0 },
  };
}
