import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { subjects } from '../../shared/bus/subjects.js';

export interface VifClientOptions {
  nc: NatsConnection;
  host: string;
  guest: string;
  backend: string;
  devid: number;
  /** Each frame the backend delivers, as raw bytes. */
  onFrame: (frame: Uint8Array) => void;
}

/**
 * A guest's network interface, as its front-end sees it: frames go to the backend on
 * `rpcForGuest(…, 'vif.<devid>')` and come back on `guestFrames`. Like a link that is down,
 * it drops what is sent while the backend is not connected.
 */
export class VifClient {
  private connected = false;
  private readonly subject: string;
  private readonly subscription: Subscription;

  constructor(private readonly options: VifClientOptions) {
    this.subject = subjects.rpcForGuest(options.host, options.backend, options.guest, `vif.${options.devid}`);
    this.subscription = options.nc.subscribe(subjects.guestFrames(options.host, options.guest, options.devid), {
      callback: (error, msg) => {
        if (!error) options.onFrame(msg.data);
      },
    });
  }

  connect(): void {
    this.connected = true;
  }

  disconnect(): void {
    this.connected = false;
  }

  /** Sends a frame if the link is up; says whether it did. */
  send(frame: Uint8Array): boolean {
    if (!this.connected) return false;
    this.options.nc.publish(this.subject, frame);
    return true;
  }

  close(): void {
    this.connected = false;
    this.subscription.unsubscribe();
  }
}
