import type { Msg } from '@nats-io/transport-node';
import type { AcceptedRequests } from '../bus/messages.js';
import { guestOfRequest } from '../bus/subjects.js';

/** How often a service VM reports the requests it accepted (the audit's `request` records). */
export const REQUEST_REPORT_MS = 1_000;

/**
 * The requests a service VM accepted, per sender, between two reports. The sender of a request
 * is the principal whose private inbox (`_INBOX.<principal>.…`) the reply goes to; a message
 * without a reply (a frame) is from the guest its subject names (`….g.<guest>.…`), which only
 * that guest may publish.
 */
export class RequestLedger {
  private accepted = new Map<string, AcceptedRequests>();

  constructor(private readonly now: () => number = Date.now) {}

  note(msg: Pick<Msg, 'subject' | 'reply'>): void {
    const from = senderOf(msg);
    if (from === undefined) return;
    const at = this.now();
    const entry = this.accepted.get(from);
    if (entry === undefined) this.accepted.set(from, { from, first: at, last: at, count: 1 });
    else {
      entry.last = at;
      entry.count += 1;
    }
  }

  /** What was accepted since the last call, and a fresh start. */
  take(): AcceptedRequests[] {
    const taken = [...this.accepted.values()];
    this.accepted = new Map();
    return taken;
  }
}

function senderOf({ subject, reply }: Pick<Msg, 'subject' | 'reply'>): string | undefined {
  if (reply) {
    const [prefix, principal] = reply.split('.');
    return prefix === '_INBOX' && principal ? principal : undefined;
  }
  try {
    return guestOfRequest(subject);
  } catch {
    return undefined;
  }
}
