import { fromPromise } from 'xstate';
import type { Clock } from '../../shared/clock.js';
import { LearningSwitch } from '../../shared/devices/network/learning-switch.js';
import type { Refusal } from '../../shared/devices/network/switch-decision.js';
import { rateOf } from '../../shared/devices/network/token-bucket.js';
import { backendDeviceMachine, type DeviceAtBackend } from '../../shared/xenbus/backend-device-machine.js';
import { backendMachine } from '../../shared/xenbus/backend-machine.js';
import { DeviceNode } from '../../shared/xenbus/device-paths.js';
import { deviceKey, deviceOfKey, type GuestDevice, guestDeviceAt } from '../../shared/xenbus/guest-device.js';

export interface NetworkPortsOptions {
  clock: Pick<Clock, 'now'>;
  deliver(to: GuestDevice, frame: Uint8Array): void;
  refused(refusal: Refusal): void;
}

/**
 * The vifs a network backend serves, as ports of its learning switch: added when a front-end
 * connects (xenbus) with the MAC and rate the toolstack wrote, removed when it disconnects.
 * A frame's sender is the guest the broker vouched for; the switch decides where it goes.
 */
export class NetworkPorts {
  private readonly switch: LearningSwitch;

  constructor(private readonly options: NetworkPortsOptions) {
    this.switch = new LearningSwitch(options.clock);
  }

  /** The backend machine for this backend's vifs, with its ports added and removed here. */
  machine() {
    return backendMachine.provide({
      actors: {
        device: backendDeviceMachine.provide({
          actors: {
            openDevice: fromPromise<Record<string, string>, DeviceAtBackend>(async ({ input }) => this.connect(input)),
            closeDevice: fromPromise<void, DeviceAtBackend>(async ({ input }) => this.switch.removePort(deviceKey(guestDeviceAt(input)))),
          },
        }),
      },
    });
  }

  send(from: GuestDevice, bytes: Uint8Array): void {
    const decision = this.switch.send(deviceKey(from), bytes);
    if (decision.action === 'refuse') {
      this.options.refused(decision.refusal);
      return;
    }
    for (const port of decision.to) this.options.deliver(deviceOfKey(port), decision.frame);
  }

  private connect(device: DeviceAtBackend): Record<string, string> {
    const rate = device.nodes[DeviceNode.rate];
    const vif = guestDeviceAt(device);
    const port = deviceKey(vif);
    this.switch.removePort(port);
    this.switch.addPort({
      id: port,
      guest: vif.guest,
      mac: device.nodes[DeviceNode.mac] ?? '',
      ...(rate === undefined ? {} : { rate: rateOf(Number(rate)) }),
    });
    return {};
  }
}
