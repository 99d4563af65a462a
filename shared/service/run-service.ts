import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectAs } from '../bus/connect.js';
import { ControlKind, type ControlCommand, type StatusKind, WIRE_VERSION, decodeMessage, encodeMessage } from '../bus/messages.js';
import { request, serve } from '../bus/rpc.js';
import { PING, subjects } from '../bus/subjects.js';
import type { InstanceBootstrap } from '../drivers/driver.js';
import { describeError } from '../errors/xoar-error.js';
import { createLogger, type Logger } from '../log/logger.js';
import { readBootstrap } from './read-bootstrap.js';
import type { ServiceContext, ServiceDefinition } from './service-definition.js';

export { PING } from '../bus/subjects.js';
const DEPENDENCY_RETRY_MS = 50;

/**
 * The life of one service VM instance: read the bootstrap, join the bus with its own
 * credentials, report `booted`, run the role's `init`, report `initialized`, heartbeat until
 * told to stop. Any failure exits non-zero: the supervisor sees the exit and rolls back.
 */
export async function runService(definition: ServiceDefinition): Promise<void> {
  const log = createLogger(process.stderr, { role: definition.role });
  try {
    const { seed, ...spec } = await readBootstrap(process.stdin);
    const serviceLog = log.child({ service: spec.id, instance: spec.instance });
    const nc = await connectAs({ url: spec.natsUrl, principal: spec.id, seed, name: `${spec.id}#${spec.instance}` });
    await live(definition, spec, nc, serviceLog);
  } catch (error) {
    log.error('service VM failed', { error: describeError(error) });
    process.exit(1);
  }
}

async function live(definition: ServiceDefinition, spec: Omit<InstanceBootstrap, 'seed'>, nc: NatsConnection, log: Logger): Promise<void> {
  const report = (kind: StatusKind) => nc.publish(subjects.serviceStatus(spec.host, spec.id), encodeMessage({ v: WIRE_VERSION, kind, instance: spec.instance }));

  void nc.closed().then((error) => {
    log.error('lost the bus', { error: error ? describeError(error) : 'closed' });
    process.exit(2);
  });
  nc.subscribe(subjects.serviceControl(spec.host, spec.id), {
    callback: (_error, msg) => {
      const command = decodeMessage<ControlCommand>(msg.data);
      if (command?.kind === ControlKind.stop) {
        log.info('stopping on request');
        void nc.drain().finally(() => process.exit(0));
      }
    },
  });

  report('booted');
  const ctx: ServiceContext = {
    spec,
    nc,
    log,
    serve: (op, handler) => {
      serve(nc, subjects.rpc(spec.host, spec.id, op), handler, { queue: spec.id });
    },
    requestService: (serviceId, op, payload) => request(nc, subjects.rpc(spec.host, serviceId, op), payload ?? null),
    requestSupervisor: (op, payload) => request(nc, subjects.supervisor(spec.host, op, spec.id), payload ?? null),
    reportDone: () => report('done'),
  };
  ctx.serve(PING, () => ({ id: spec.id, instance: spec.instance }));
  await awaitServices(ctx, usesOf(spec.config));
  await definition.init?.(ctx);
  await nc.flush();
  report('initialized');
  log.info('initialised');
  setInterval(() => report('heartbeat'), spec.heartbeatMs);
  await definition.run?.(ctx);
}

function usesOf(config: Record<string, unknown>): string[] {
  const uses = config['uses'];
  return Array.isArray(uses) ? uses.filter((id): id is string => typeof id === 'string') : [];
}

/** A service is initialised only once the services it uses answer: its grants work end to end. */
async function awaitServices(ctx: ServiceContext, ids: string[]): Promise<void> {
  await Promise.all(
    ids.map(async (id) => {
      for (;;) {
        try {
          await ctx.requestService(id, PING);
          return;
        } catch {
          await sleep(DEPENDENCY_RETRY_MS);
        }
      }
    }),
  );
}
