import { createActor, type Actor } from 'xstate';
import { deviceOfRequest, subjects } from '../../shared/bus/subjects.js';
import { systemClock } from '../../shared/clock.js';
import { RefusalReason } from '../../shared/devices/network/switch-decision.js';
import { DeviceKind } from '../../shared/policy/live-grants.js';
import { Role } from '../../shared/policy/types.js';
import type { ServiceDefinition } from '../../shared/service/service-definition.js';
import { XenbusConnection } from '../../shared/xenbus/xenbus-connection.js';
import { busChannels } from '../../shared/xenstore/bus-client.js';
import { NetworkPorts } from './network-ports.js';

/** A guest's frames from one of its vifs: `xoar.<host>.rpc.<id>.g.<guest>.vif.<devid>`. */
const GUEST_FRAMES = 'g.*.vif.*';

let running: { machine: Actor<ReturnType<NetworkPorts['machine']>> } | undefined;

/**
 * A network backend: a learning L2 switch between the vifs wired to it (xenbus, through its own
 * XenStore domain). A frame whose source is not its vif's MAC is dropped and reported to the
 * supervisor, which records it against the guest; one over the vif's rate is dropped and counted.
 * It starts when activated, and lets go of its vifs when drained.
 */
export const networkService: ServiceDefinition = {
  role: Role.network,
  recover: async (ctx) => {
    const domid = Number(ctx.spec.config['domid']);
    const { host } = ctx.spec;
    const xenbus = await XenbusConnection.open(busChannels({ nc: ctx.nc, host, domid }));
    const ports = new NetworkPorts({
      clock: systemClock,
      deliver: (to, frame) => ctx.nc.publish(subjects.guestFrames(host, to.guest, Number(to.devid)), frame),
      // Dropping a frame over the rate, or one sent while its vif reconnects, is the switch doing its job; sending as another is an attack.
      refused: (refusal) => {
        if (refusal.reason === RefusalReason.spoofedSource) ctx.reportRefusal({ ...refusal });
      },
    });
    const machine = createActor(ports.machine(), { input: { xenbus, domid, kind: DeviceKind.vif } });
    running = { machine };
    ctx.serveRaw(GUEST_FRAMES, (frame, subject) => {
      ports.send(deviceOfRequest(subject), frame);
      return undefined;
    });
    machine.start();
  },
  drain: () => {
    running?.machine.stop();
  },
};
