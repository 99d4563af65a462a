import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectAs } from '../bus/connect.js';
import { ControlKind, type ControlCommand, StatusKind, type StatusReport, WIRE_VERSION, decodeMessage, encodeMessage } from '../bus/messages.js';
import { request } from '../bus/rpc.js';
import { PING, subjects } from '../bus/subjects.js';
import type { InstanceBootstrap } from '../drivers/driver.js';
import { describeError } from '../errors/xoar-error.js';
import { createLogger, type Logger } from '../log/logger.js';
import { QueueServer } from './queue-server.js';
import { readBootstrap } from './read-bootstrap.js';
import { REQUEST_REPORT_MS, RequestLedger } from './request-ledger.js';
import type { ServiceContext, ServiceDefinition } from './service-definition.js';

export { PING } from '../bus/subjects.js';
const DEPENDENCY_RETRY_MS = 50;

/**
 * The life of one service VM instance: read the bootstrap, join the bus with its own
 * credentials, report `booted`, run the role's `init`, report `initialized`, heartbeat until
 * told to stop. Any failure exits non-zero: the supervisor sees the exit and rolls back.
 *
 * A warm standby (`spec.standby`, make before break) initialises the same way but joins its
 * service's queue group only when the supervisor sends `activate`; any instance told to `drain`
 * leaves the queue group, answers every request it already holds and reports `drained` (again
 * with every heartbeat after, so that a lost report costs one heartbeat). A one-shot instance
 * (`spec.oneShot`, per-request rollback) drains by itself after its first request.
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
  const report = (kind: StatusKind, extra: Pick<StatusReport, 'box' | 'refusal' | 'requests'> = {}) =>
    nc.publish(subjects.serviceStatus(spec.host, spec.id), encodeMessage({ v: WIRE_VERSION, kind, instance: spec.instance, ...extra }));
  const ledger = new RequestLedger();
  const reportRequests = () => {
    const requests = ledger.take();
    if (requests.length > 0) report(StatusKind.requests, { requests });
  };
  setInterval(reportRequests, REQUEST_REPORT_MS).unref();
  let drained = false;
  let draining: Promise<void> | undefined;
  const drain = () => {
    draining ??= server
      .drain()
      .then(() => definition.drain?.(ctx))
      .then(() => {
        drained = true;
        reportRequests();
        log.info('drained');
      });
    void draining.then(() => report(StatusKind.drained));
  };
  const server = new QueueServer(nc, spec, drain, ledger);

  void nc.closed().then((error) => {
    log.error('lost the bus', { error: error ? describeError(error) : 'closed' });
    process.exit(2);
  });

  const ctx: ServiceContext = {
    spec,
    nc,
    log,
    serve: (op, handler) => server.serve(op, handler),
    serveRaw: (op, handler) => server.serveRaw(op, handler),
    requestService: (serviceId, op, payload, timeoutMs) => request(nc, subjects.rpc(spec.host, serviceId, op), payload ?? null, timeoutMs),
    requestSupervisor: (op, payload, timeoutMs) => request(nc, subjects.supervisor(spec.host, op, spec.id), payload ?? null, timeoutMs),
    reportDone: () => report(StatusKind.done),
    writeRecoveryBox: (box) => report(StatusKind.box, { box }),
    reportRefusal: (refusal) => report(StatusKind.refusal, { refusal }),
  };

  let markInitialised!: () => void;
  const initialised = new Promise<void>((resolve) => (markInitialised = resolve));
  let activation: Promise<void> | undefined;
  nc.subscribe(subjects.serviceControl(spec.host, spec.id), {
    callback: (_error, msg) => {
      const command = decodeMessage<ControlCommand>(msg.data);
      if (command?.kind === ControlKind.stop) {
        log.info('stopping on request');
        void nc.drain().finally(() => process.exit(0));
      } else if (command?.kind === ControlKind.activate && command.instance === spec.instance) {
        activation ??= (async () => {
          await initialised;
          await definition.recover?.(ctx, command.box ?? null);
          await server.activate();
          report(StatusKind.activated);
          log.info('activated', { recoveryBox: command.box === undefined || command.box === null ? 'none' : 'restored' });
        })().catch((error) => {
          log.error('activation failed', { error: describeError(error) });
          process.exit(1);
        });
      } else if (command?.kind === ControlKind.drain && command.instance === spec.instance) {
        drain();
      }
    },
  });

  report(StatusKind.booted);
  ctx.serve(PING, () => ({ id: spec.id, instance: spec.instance }));
  // An instance that is not a standby serves at once, as it starts clean.
  if (!spec.standby) {
    await definition.recover?.(ctx, null);
    await server.activate();
  }
  await awaitServices(ctx, usesOf(spec.config));
  await definition.init?.(ctx);
  if (spec.standby) await server.warmUp(PING);
  markInitialised();
  await nc.flush();
  report(StatusKind.initialized);
  log.info('initialised', { standby: spec.standby === true });
  setInterval(() => {
    report(StatusKind.heartbeat);
    if (drained) report(StatusKind.drained);
  }, spec.heartbeatMs);
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
