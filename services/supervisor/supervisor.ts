import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { type Actor, createActor, waitFor } from 'xstate';
import { AuditLog } from '../../shared/audit/audit-log.js';
import { AuditKind, DependencyChange, type DependencyEdge, DependencyVia } from '../../shared/audit/audit-record.js';
import type { GuestWorkload } from '../../shared/guest/guest-config.js';
import { type CreatedGuest, guestOpTimeoutMs } from '../../shared/guest/guest-ops.js';
import { type JoinNatsServerOptions, joinNatsServer } from '../../shared/broker/join-nats-server.js';
import { startNatsServer, type NatsServer, type PrincipalViolation } from '../../shared/broker/nats-server.js';
import { connectAs } from '../../shared/bus/connect.js';
import { ControlKind, type StatusReport, StatusKind, WIRE_VERSION, decodeMessage, encodeMessage } from '../../shared/bus/messages.js';
import { serve } from '../../shared/bus/rpc.js';
import { ControlOp, SupervisorOp, subjects } from '../../shared/bus/subjects.js';
import { type Clock, systemClock } from '../../shared/clock.js';
import type { InstanceHandle, ServiceDriver, Snapshot } from '../../shared/drivers/driver.js';
import { describeError } from '../../shared/errors/xoar-error.js';
import { hostMachine } from '../../shared/lifecycle/host-machine.js';
import { type Logger, silentLogger } from '../../shared/log/logger.js';
import { compilePermissions, type LiveState, noLiveState } from '../../shared/policy/compile-permissions.js';
import { loadPolicy } from '../../shared/policy/load-policy.js';
import { diffPolicies } from '../../shared/policy/policy-diff.js';
import type { LiveGrant } from '../../shared/policy/live-grants.js';
import { ReservedPrincipal } from '../../shared/policy/principals.js';
import { roles } from '../../shared/policy/roles.js';
import { CONTROL_DOMID } from '../../shared/policy/domids.js';
import { type HostPolicy, Role, type ServicePolicy } from '../../shared/policy/types.js';
import { busChannels } from '../../shared/xenstore/bus-client.js';
import { XenstoreUnixSocketServer } from '../../shared/xenstore/unix-socket-server.js';
import { RecoveryBoxRejectedError, checkRecoveryBox } from '../../shared/service/recovery-box.js';
import type { PciAssignment } from '../pci-config/service.js';
import { acceptedRequests } from './accepted-requests.js';
import { AssignmentOutsidePolicyError, HostBootFailedError, PolicyNeedsRestartError, ServiceNotRunningError, UnknownServiceError } from './errors.js';
import { brokerListenAddress, hostDriver } from './host-driver.js';
import type { HostStatus, PolicyApplied, ServiceStatus } from './host-status.js';
import { guestSpec, instanceSpec, keepsFiles } from './instance-spec.js';
import { PrincipalKeys } from './principal-keys.js';
import { HostAlreadyRunningError, readLiveRuntime, removeRuntime, writeRuntime } from './runtime-file.js';
import { planApply } from './apply-plan.js';
import { type GrantRequest, GrantTable } from './grant-table.js';
import { DEFAULT_STANDBYS, EXCLUSIVE_ROLES, MAKE_BEFORE_BREAK_ROLES } from './rollback-kind.js';
import { GuestManager } from './guest-manager.js';
import { drivenServiceMachine, type SwitchingIo } from './service-actors.js';
import { SnapshotStore } from './snapshot-store.js';
import { StandbyPool } from './standby-pool.js';
import { startWaitMs } from './start-wait.js';
import { ServiceRegistry, type Transition } from './service-registry.js';
import { type HostPaths, hostPaths } from './state-dir.js';

/** Where the host's broker comes from: a nats-server of its own, or one the operator runs. */
export type BrokerChoice =
  | { kind: 'own'; binary?: string; port?: number }
  | ({ kind: 'join' } & Omit<JoinNatsServerOptions, 'authorization'>);

export interface SupervisorOptions {
  policy: HostPolicy;
  stateRoot: string;
  /** Default: a nats-server of its own on a free loopback port. */
  broker?: BrokerChoice;
  clock?: Clock;
  log?: Logger;
  /**
   * Warm standbys kept per make-before-break service (builder, toolstack, block, network) whose
   * policy names none (`standbys`); default {@link DEFAULT_STANDBYS}.
   */
  standbys?: number;
  /** false: every role is rolled back by replacement (kill and restore), as a baseline for benchmarks. Default true. */
  makeBeforeBreak?: boolean;
}

/** How long after a make-before-break switch the pool starts restoring the next standby. */
const REPLENISH_DELAY_MS = 50;

/** What became of the recovery box at a service's last handover. */
type Handover = 'none' | 'handed' | 'rejected';

/**
 * The trusted core of a host: starts its broker with permissions compiled from the policy,
 * runs one lifecycle actor per service VM under the host machine, answers privileged requests
 * and operator commands, revokes what retired services held, and writes the audit log.
 */
export class Supervisor {
  readonly booted: Promise<void>;
  readonly stopped: Promise<void>;
  private readonly retired = new Set<string>();
  private readonly grants = new GrantTable();
  private applying: Promise<unknown> = Promise.resolve();
  private violationCount = 0;
  private stopping: Promise<void> | undefined;
  private resolveStopped!: () => void;
  private readonly startedAt = new Date();
  /** The last recovery box each service wrote (untrusted until handed over). */
  private readonly boxes = new Map<string, { instance: number; box: unknown }>();
  private readonly handovers = new Map<string, Handover>();
  /** Rollbacks already recorded per service, so an abandoned switch records none. */
  private readonly rollbacksRecorded = new Map<string, number>();
  private readonly snapshots: SnapshotStore;
  private readonly guests: GuestManager;

  private constructor(
    public policy: HostPolicy,
    readonly paths: HostPaths,
    private readonly keys: PrincipalKeys,
    private readonly broker: NatsServer,
    private readonly nc: NatsConnection,
    readonly audit: AuditLog,
    private readonly driver: ServiceDriver,
    private readonly registry: ServiceRegistry,
    private readonly host: Actor<typeof hostMachine>,
    private readonly xenstore: XenstoreUnixSocketServer | undefined,
    private readonly log: Logger,
    private readonly standbys: StandbyPool,
    clock: Clock,
  ) {
    this.snapshots = new SnapshotStore(paths.snapshotDir);
    this.guests = new GuestManager({
      driver,
      clock,
      policy: () => this.policy,
      specOf: (config) => guestSpec(this.policy, config, { natsUrl: broker.url }, keys.seedOf(config.id)),
    });
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
    this.booted = this.watchBoot();
  }

  static async start(options: SupervisorOptions): Promise<Supervisor> {
    const { policy } = options;
    const host = policy.host.name;
    const log = options.log ?? silentLogger;
    const clock = options.clock ?? systemClock;
    const paths = hostPaths(options.stateRoot, host);
    const live = readLiveRuntime(paths);
    if (live) throw new HostAlreadyRunningError(host, live.pid);
    mkdirSync(paths.logDir, { recursive: true, mode: 0o700 });

    const keys = new PrincipalKeys([ReservedPrincipal.supervisor, ReservedPrincipal.operator, ReservedPrincipal.auditor, ...policy.services.map((s) => s.id), ...policy.guests.map((g) => g.id)]);
    const authorization = keys.authorization(compilePermissions(policy, noLiveState));
    const choice = options.broker ?? { kind: 'own' };
    const listenAddress = brokerListenAddress(policy);
    const broker =
      choice.kind === 'join'
        ? await joinNatsServer({ ...choice, authorization })
        : await startNatsServer({
            ...(choice.binary === undefined ? {} : { binary: choice.binary }),
            ...(choice.port === undefined ? {} : { port: choice.port }),
            ...(listenAddress === undefined ? {} : { host: listenAddress }),
            dir: paths.brokerDir,
            serverName: `xoar-${host}`,
            authorization,
          });
    let connection: NatsConnection | undefined;
    let xenstore: XenstoreUnixSocketServer | undefined;
    try {
      const nc = await connectAs({ url: broker.url, principal: ReservedPrincipal.supervisor, seed: keys.seedOf(ReservedPrincipal.supervisor), name: 'supervisor' });
      connection = nc;
      const audit = await AuditLog.open(nc, host);
      rmSync(paths.serviceStateRoot, { recursive: true, force: true });
      xenstore = await serveXenstoreSocket(policy, paths, nc);
      const driver = hostDriver(policy, paths, log);
      const registry = new ServiceRegistry(new Set(policy.services.map((s) => s.id)));
      const natsUrl = broker.url;
      const makesBeforeBreak = (service: ServicePolicy) =>
        options.makeBeforeBreak !== false && MAKE_BEFORE_BREAK_ROLES.has(service.role) && (driver.sharesStateBetweenInstances || !keepsFiles(service.role));
      const specOf = (id: string, instance: number) => {
        const service = serviceOf(policy, id);
        const spec = instanceSpec(policy, service, { natsUrl, serviceStateRoot: paths.serviceStateRoot }, instance, keys.seedOf(id));
        // Per-request rollback: each instance answers one request, then a standby takes over.
        return makesBeforeBreak(service) && service.restart.kind === 'onRequest' ? { ...spec, oneShot: true } : spec;
      };
      const hostStandbys = Math.max(1, options.standbys ?? DEFAULT_STANDBYS);
      // The policy in force decides, service by service; the host's number where it says nothing.
      const sizeOf = (id: string) => (self?.policy ?? policy).services.find((service) => service.id === id)?.standbys ?? hostStandbys;
      const standbys = new StandbyPool({ driver, seedOf: (id) => keys.seedOf(id), startTimeoutMs: policy.watchdog.startTimeoutMs, sizeOf, log });
      // The supervisor exists only once the host actor does; the actors reach it through this.
      let self: Supervisor | undefined;
      const io: SwitchingIo = {
        standbys,
        activate: async (id, handle) => self?.activate(id, handle),
        drain: async (id, handle) => self?.drain(id, handle),
        snapshotTaken: async (id, handle, snapshot) => self?.snapshotTaken(id, handle, snapshot),
      };
      const machine = hostMachine.provide({ actors: { service: drivenServiceMachine(driver, specOf, io) } });
      const hostActor = createActor(machine, {
        clock,
        inspect: registry.inspect,
        input: {
          clock,
          services: policy.services.map((service) => ({
            id: service.id,
            phase: roles[service.role].phase,
            disposal: roles[service.role].disposal,
            input: {
              id: service.id,
              role: service.role,
              disposable: roles[service.role].disposal !== 'never',
              restart: service.restart,
              budget: policy.restartBudget,
              watchdog: policy.watchdog,
              clock,
              makeBeforeBreak: makesBeforeBreak(service),
              exclusive: EXCLUSIVE_ROLES.has(service.role),
            },
          })),
        },
      });
      const supervisor = new Supervisor(policy, paths, keys, broker, nc, audit, driver, registry, hostActor, xenstore, log, standbys, clock);
      self = supervisor;
      supervisor.wire();
      writeFileSync(paths.operatorSeed, `${keys.seedOf(ReservedPrincipal.operator)}\n`, { mode: 0o600 });
      writeFileSync(paths.auditorSeed, `${keys.seedOf(ReservedPrincipal.auditor)}\n`, { mode: 0o600 });
      supervisor.publishRuntime();
      await audit.append(AuditKind.host, ReservedPrincipal.supervisor, {
        event: 'booting',
        policy: policy.source,
        natsUrl,
        sandbox: driver.isolation,
        services: policy.services.map(({ id, role }) => ({ id, role })),
      });
      hostActor.start();
      return supervisor;
    } catch (error) {
      await xenstore?.close();
      await connection?.close();
      await broker.stop();
      throw error;
    }
  }

  /** Tells the CLI how to reach this host, and which policy it runs. */
  private publishRuntime(): void {
    writeRuntime(this.paths, {
      v: 1,
      host: this.policy.host.name,
      pid: process.pid,
      natsUrl: this.broker.url,
      operatorSeedFile: this.paths.operatorSeed,
      policy: this.policy.source,
      startedAt: this.startedAt.toISOString(),
    });
  }

  /** Credentials of a principal: for tests that play a compromised service VM. */
  credentialsOf(principal: string): { url: string; seed: string } {
    return { url: this.broker.url, seed: this.keys.seedOf(principal) };
  }

  onTransition(listener: (transition: Transition) => void): void {
    this.registry.onTransition(listener);
  }

  status(): HostStatus {
    return {
      v: 1,
      host: this.policy.host.name,
      state: String(this.host.getSnapshot().value),
      startedAt: this.startedAt.toISOString(),
      natsUrl: this.broker.url,
      natsPid: this.broker.pid > 0 ? this.broker.pid : null,
      driver: this.driver.kind,
      sandbox: this.driver.isolation,
      violations: this.violationCount,
      xenstore: this.xenstore === undefined ? null : { socket: this.xenstore.path },
      guestOpTimeoutMs: guestOpTimeoutMs(this.policy.watchdog.startTimeoutMs),
      services: this.policy.services.map((service) => this.serviceStatus(service)),
      grants: [...this.grants.list()],
      guests: this.guests.status(),
    };
  }

  /** Operator-requested rollback; resolves once the fresh instance runs. */
  async restart(id: string): Promise<ServiceStatus> {
    const service = serviceOf(this.policy, id);
    const actor = this.host.system.get(id);
    const state = this.registry.view(id)?.state ?? 'defined';
    if (actor === undefined || state !== 'running') throw new ServiceNotRunningError(id, state);
    const before = this.registry.view(id)?.context.rollbacks ?? 0;
    actor.send({ type: 'rollback', cause: 'operator' });
    await waitFor(actor, (snapshot) => snapshot.status !== 'active' || (snapshot.matches('running') && snapshot.context.rollbacks > before), { timeout: startWaitMs(this.policy.watchdog) });
    return this.serviceStatus(service);
  }

  /**
   * Applies a new policy to the running host, or nothing of it: it must be valid, and need no
   * restart (same services in the same order with the same roles, devices and clean snapshots).
   * Runtime grants it no longer allows are revoked, the broker reloads (no connection drops),
   * changed restart schedules start over, and nothing else is restarted.
   */
  applyPolicy(file: string, by: string): Promise<PolicyApplied> {
    const applied = this.applying.then(() => this.applyNow(file, by));
    this.applying = applied.catch(() => undefined);
    return applied;
  }

  private async applyNow(file: string, by: string): Promise<PolicyApplied> {
    const next = await loadPolicy(file);
    const plan = planApply(this.policy, next, this.liveState(), diffPolicies(this.policy, next).needsRestart);
    if (plan.blocked.length > 0) throw new PolicyNeedsRestartError(file, plan.blocked);
    this.policy = next;
    const revoked = this.grants.reconcile(next);
    if (plan.permissionsChanged.length > 0 || revoked.length > 0) await this.reloadPermissions();
    for (const { grant, reason } of revoked) await this.recordRevocation(ReservedPrincipal.supervisor, grant, `policy ${file} applied: ${reason}`);
    for (const { id, restart } of plan.rescheduled) this.host.system.get(id)?.send({ type: 'reschedule', restart });
    const result: PolicyApplied = {
      policy: file,
      permissionsChanged: plan.permissionsChanged,
      grantsRevoked: revoked.map(({ grant, reason }) => ({ ...grant, reason })),
      rescheduled: plan.rescheduled.map(({ id }) => id),
    };
    await this.audit.append(AuditKind.policyApplied, by, { ...result });
    this.publishRuntime();
    return result;
  }

  /** Operator: retake a service VM's snapshot from its running instance; resolves once it is taken. */
  async snapshot(id: string): Promise<ServiceStatus> {
    const service = serviceOf(this.policy, id);
    const actor = this.host.system.get(id);
    const view = this.registry.view(id);
    const state = view?.state ?? 'defined';
    if (actor === undefined || state !== 'running') throw new ServiceNotRunningError(id, state, 'have its snapshot retaken');
    const before = view?.context.snapshot;
    actor.send({ type: 'snapshot' });
    await waitFor(actor, (snapshot) => snapshot.status !== 'active' || (snapshot.matches('running') && snapshot.context.snapshot !== before), { timeout: startWaitMs(this.policy.watchdog) });
    return this.serviceStatus(service);
  }

  /**
   * Make before break: the standby takes the recovery box the old instance last wrote, if it
   * fits the role's schema (else the refusal is recorded and it starts clean), and joins the
   * queue group.
   */
  private async activate(id: string, handle: InstanceHandle): Promise<void> {
    const box = this.handOverBox(id, handle.instance);
    this.nc.publish(subjects.serviceControl(this.policy.host.name, id), encodeMessage({ v: WIRE_VERSION, kind: ControlKind.activate, instance: handle.instance, box }));
  }

  private async drain(id: string, handle: InstanceHandle): Promise<void> {
    this.nc.publish(subjects.serviceControl(this.policy.host.name, id), encodeMessage({ v: WIRE_VERSION, kind: ControlKind.drain, instance: handle.instance }));
  }

  private handOverBox(id: string, to: number): unknown {
    const written = this.boxes.get(id);
    if (written === undefined) {
      this.handovers.set(id, 'none');
      return null;
    }
    try {
      const box = checkRecoveryBox(id, serviceOf(this.policy, id).role, written.box);
      this.handovers.set(id, 'handed');
      return box;
    } catch (error) {
      this.boxes.delete(id);
      this.handovers.set(id, 'rejected');
      const problems = error instanceof RecoveryBoxRejectedError ? error.problems : [describeError(error)];
      this.log.warn('refused a recovery box', { service: id, writtenBy: written.instance, handedTo: to, problems });
      void this.audit
        .append(AuditKind.recoveryBox, id, { writtenBy: written.instance, handedTo: to, problems })
        .catch((failure) => this.log.error('could not record a refused recovery box', { error: describeError(failure) }));
      return null;
    }
  }

  private async snapshotTaken(id: string, handle: InstanceHandle, snapshot: Snapshot): Promise<void> {
    // Kept on disk in the background: a disposable may finish its job while its snapshot is taken,
    // and the snapshot the machine holds is the one a rollback restores.
    void this.snapshots.save(snapshot).catch((error) => this.log.error('could not store a snapshot', { service: id, error: describeError(error) }));
    // Queued now, so it precedes the transition to running in the log; not waited for, so that
    // taking a snapshot costs a service nothing more than the driver's call.
    void this.audit
      .appendSnapshot(id, { instance: handle.instance, digest: snapshot.digest })
      .catch((error) => this.log.error('could not record a snapshot', { service: id, error: describeError(error) }));
    if (this.registry.view(id)?.context.makeBeforeBreak) this.standbys.prime(id, snapshot, handle.instance);
  }

  /** Stops every service VM, then the broker; idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.shutDown();
    return this.stopping;
  }

  private async shutDown(): Promise<void> {
    await this.guests.destroyAll();
    if (this.host.getSnapshot().status === 'active') this.host.send({ type: 'stop' });
    await waitFor(this.host, (snapshot) => snapshot.status === 'done', { timeout: 30_000 }).catch((error) => {
      this.log.error('services did not all stop in time', { error: describeError(error) });
    });
    await this.standbys.close();
    await this.audit.append(AuditKind.host, ReservedPrincipal.supervisor, { event: 'stopped' }).catch(() => undefined);
    await this.driver.close();
    await this.xenstore?.close();
    await this.nc.drain().catch(() => undefined);
    await this.broker.stop();
    removeRuntime(this.paths);
    this.resolveStopped();
  }

  private async watchBoot(): Promise<void> {
    const snapshot = await waitFor(this.host, (s) => s.value === 'running' || s.status === 'done', { timeout: Infinity });
    if (snapshot.value === 'running') {
      await this.audit.append(AuditKind.host, ReservedPrincipal.supervisor, { event: 'booted' });
      return;
    }
    const failure = snapshot.context.bootFailure;
    await this.stop();
    throw new HostBootFailedError(this.policy.host.name, failure?.id ?? '?', failure?.reason ?? String(snapshot.value), `${this.paths.logDir}/${failure?.id ?? ''}.log`);
  }

  private wire(): void {
    const host = this.policy.host.name;
    this.registry.onTransition((transition) => void this.record(transition));
    this.broker.onViolation((violation) => void this.recordBrokerViolation(violation));
    this.broker.onExit((exit) => {
      if (this.stopping === undefined) {
        this.log.error('the broker exited; stopping the host', { exit });
        void this.stop();
      }
    });
    this.nc.subscribe(subjects.allServiceStatus(host), { callback: (_error, msg) => this.route(msg.subject.split('.')[3] ?? '', msg.data) });
    this.nc.subscribe(subjects.allGuestStatus(host), { callback: (_error, msg) => this.guests.route(msg.subject.split('.')[3] ?? '', msg.data) });

    this.serveSupervisorOp(SupervisorOp.platformStart, async (boot) => {
      await this.audit.append(AuditKind.privileged, boot, { op: SupervisorOp.platformStart });
      this.host.send({ type: 'service.done', id: boot });
      return { started: true };
    });
    this.serveSupervisorOp(SupervisorOp.grantIssue, (issuer, payload) => this.issueGrant(issuer, payload as GrantRequest));
    this.serveSupervisorOp(SupervisorOp.grantRevoke, (issuer, payload) => this.revokeGrant(issuer, payload as GrantRequest));
    this.serveSupervisorOp(SupervisorOp.vmCreate, (builder, payload) => this.createGuest(builder, stringField(payload, 'guest'), (payload as { workload?: GuestWorkload | null } | null)?.workload ?? null));
    this.serveSupervisorOp(SupervisorOp.vmStart, (_builder, payload) => this.guests.start(stringField(payload, 'guest')));
    this.serveSupervisorOp(SupervisorOp.vmDestroy, (by, payload) => this.destroyGuest(by, stringField(payload, 'guest')));
    this.serveSupervisorOp(SupervisorOp.pciAssign, async (pci, payload) => {
      const { devices, assignments } = payload as PciAssignment;
      for (const { bdf, service } of assignments) {
        if (!this.policy.services.some((s) => s.id === service && s.devices.includes(bdf))) {
          await this.audit.append(AuditKind.violation, pci, { op: SupervisorOp.pciAssign, refused: { bdf, service } });
          throw new AssignmentOutsidePolicyError(bdf, service);
        }
      }
      await this.audit.append(AuditKind.privileged, pci, { op: SupervisorOp.pciAssign, devices: devices.length, assignments });
      this.host.send({ type: 'service.done', id: pci });
      return { recorded: assignments.length };
    });

    serve(this.nc, subjects.control(host, ControlOp.status), () => this.status());
    serve(this.nc, subjects.control(host, ControlOp.policyApply), (payload) => this.applyPolicy(stringField(payload, 'file'), ReservedPrincipal.operator));
    serve(this.nc, subjects.control(host, ControlOp.serviceRestart), (payload) => this.restart(stringField(payload, 'id')));
    serve(this.nc, subjects.control(host, ControlOp.serviceSnapshot), (payload) => this.snapshot(stringField(payload, 'id')));
    serve(this.nc, subjects.control(host, ControlOp.hostDown), async () => {
      const running = this.policy.services.filter((s) => this.registry.view(s.id) !== undefined).map((s) => s.id);
      setImmediate(() => void this.stop());
      return { host, stopped: running };
    });
  }

  /** A status report from a service VM: its subject says who sent it (only it may publish there). */
  private route(id: string, data: Uint8Array): void {
    const report = decodeMessage<StatusReport>(data);
    if (report === undefined) return;
    if (report.kind === StatusKind.done) {
      if (report.instance === this.registry.view(id)?.context.instance) this.host.send({ type: 'service.done', id });
      return;
    }
    if (report.kind === StatusKind.box) {
      this.boxes.set(id, { instance: report.instance, box: report.box });
      return;
    }
    if (report.kind === StatusKind.refusal) {
      void this.recordRefusal(id, report.refusal ?? {});
      return;
    }
    if (report.kind === StatusKind.requests) {
      for (const accepted of acceptedRequests(id, report, Date.now())) void this.audit.appendRequest(accepted).catch((error) => this.log.error('could not record requests', { service: id, error: describeError(error) }));
      return;
    }
    if (this.standbys.report(id, report.instance, report.kind)) return;
    if (!Object.values(StatusKind).includes(report.kind)) return;
    this.host.system.get(id)?.send({ type: `instance.${report.kind}` as 'instance.booted', instance: report.instance });
  }

  /** Queues a transition's records at once (so a reader that flushes the log sees them), in order. */
  private async record(transition: Transition): Promise<void> {
    const { id, from, to, context } = transition;
    this.log.info('service transition', { service: id, from, to, instance: context.instance });
    const appended = [
      this.audit.append(AuditKind.lifecycle, id, {
        from,
        to,
        instance: context.instance,
        ...(to === 'crashed' && context.lastCrash ? { crash: context.lastCrash } : {}),
        ...(to === 'failed' ? { failure: context.failure } : {}),
      }),
    ];
    if (from === 'rollingBack' && to === 'running' && context.lastRollback && context.rollbacks > (this.rollbacksRecorded.get(id) ?? 0)) {
      this.rollbacksRecorded.set(id, context.rollbacks);
      const makeBeforeBreak = context.makeBeforeBreak === true;
      appended.push(
        this.audit.append(AuditKind.rollback, id, {
          ...context.lastRollback,
          instance: context.instance,
          snapshot: context.snapshot?.digest,
          kind: makeBeforeBreak ? 'make-before-break' : 'replace',
          ...(makeBeforeBreak ? { recoveryBox: this.handovers.get(id) ?? 'none' } : {}),
        }),
      );
    }
    // A little later: the node process a standby needs would take the CPU from the requests the
    // new instance answers first.
    if (to === 'running' && context.makeBeforeBreak) setTimeout(() => this.standbys.replenish(id), REPLENISH_DELAY_MS).unref();
    if (to === 'failed' || to === 'stopped' || to === 'destroyed') void this.standbys.discard(id);
    try {
      await Promise.all(appended);
      if (to === 'destroyed') await this.revoke(id);
    } catch (error) {
      this.log.error('could not record a transition', { service: id, error: describeError(error) });
    }
  }

  /** A retired service VM loses every subject at the broker, at the moment it is destroyed. */
  private async revoke(id: string): Promise<void> {
    const before = compilePermissions(this.policy, this.liveState()).get(id);
    this.retired.add(id);
    await this.reloadPermissions();
    await this.audit.append(AuditKind.selfDestruct, id, { revoked: { publish: before?.publish.allow ?? [], subscribe: before?.subscribe.allow ?? [] } });
  }

  private async recordBrokerViolation(violation: PrincipalViolation): Promise<void> {
    this.log.warn('broker refused a principal', { ...violation });
    await this.recordViolation(violation.principal ?? 'unknown', { operation: violation.operation, subject: violation.subject, nkey: violation.nkey });
  }

  private async recordViolation(offender: string, data: Record<string, unknown>): Promise<void> {
    this.violationCount += 1;
    await this.audit.append(AuditKind.violation, offender, data).catch((error) => this.log.error('could not record a violation', { error: describeError(error) }));
  }

  /** Serves a privileged operation; the subject's last token names the sender, which the broker lets use its own name only. */
  private serveSupervisorOp(op: SupervisorOp, handler: (sender: string, payload: unknown) => unknown): void {
    serve(this.nc, subjects.supervisorFromAny(this.policy.host.name, op), (payload, subject) => handler(subject.slice(subject.lastIndexOf('.') + 1), payload));
  }

  private liveState(): LiveState {
    return { retired: this.retired, grants: this.grants.list(), guests: this.guests.live() };
  }

  private async reloadPermissions(): Promise<void> {
    await this.broker.reload(this.keys.authorization(compilePermissions(this.policy, this.liveState())));
  }

  /** A runtime grant: checked against the policy (refused and recorded if outside it), enforced at the broker, then recorded. */
  private async issueGrant(issuer: string, request: GrantRequest): Promise<{ granted: boolean }> {
    let added: boolean;
    try {
      added = this.grants.issue(this.policy, request, issuer);
    } catch (error) {
      await this.audit.append(AuditKind.violation, issuer, { op: SupervisorOp.grantIssue, refused: request, reason: describeError(error) });
      throw error;
    }
    if (!added) return { granted: false };
    await this.reloadPermissions();
    await this.audit.append(AuditKind.grantIssued, issuer, { ...request, issuedBy: issuer });
    await this.audit.appendDependency({ guest: request.guest, service: request.service, via: DependencyVia.device, edge: DependencyChange.start });
    return { granted: true };
  }

  private async revokeGrant(revoker: string, request: GrantRequest): Promise<{ revoked: true }> {
    const grant = this.grants.revoke(request);
    await this.reloadPermissions();
    await this.recordRevocation(revoker, grant, `revoked by ${revoker}`);
    return { revoked: true };
  }

  /** `vm.create` from the builder: a domain for a policy guest, and the dependency edges it opens. */
  private async createGuest(builder: string, guest: string, workload: GuestWorkload | null): Promise<CreatedGuest> {
    const created = this.guests.create(builder, guest, workload);
    await this.reloadPermissions();
    await this.audit.append(AuditKind.privileged, builder, { op: SupervisorOp.vmCreate, guest: created.config.id, domid: created.domid });
    for (const edge of this.guestDependencies(created.config.id, builder)) await this.audit.appendDependency({ ...edge, edge: DependencyChange.start });
    return created;
  }

  /** `vm.destroy`: the guest's process ends, its grants are revoked, its dependency edges close. */
  private async destroyGuest(by: string, guest: string): Promise<CreatedGuest> {
    const { builtBy, ...destroyed } = await this.guests.destroy(guest);
    const revoked = this.grants.revokeGuest(guest);
    await this.reloadPermissions();
    for (const grant of revoked) await this.recordRevocation(by, grant, `guest ${guest} destroyed`);
    await this.audit.append(AuditKind.privileged, by, { op: SupervisorOp.vmDestroy, guest, domid: destroyed.domid });
    for (const edge of this.guestDependencies(guest, builtBy)) await this.audit.appendDependency({ ...edge, edge: DependencyChange.stop });
    return destroyed;
  }

  /** A guest relies on the builder that built it and on its XenStore; its devices' edges follow its grants. */
  private guestDependencies(guest: string, builder: string): Array<Omit<DependencyEdge, 'edge'>> {
    const xenstores = this.policy.services.filter((service) => service.role === Role.xenstoreLogic || service.role === Role.xenstoreState);
    return [{ guest, service: builder, via: DependencyVia.builder }, ...xenstores.map((service) => ({ guest, service: service.id, via: DependencyVia.xenstore }))];
  }

  /** A service refused something a guest it serves did (a spoofed frame): recorded against the guest, as the service reported it. */
  private async recordRefusal(reportedBy: string, refusal: Record<string, unknown>): Promise<void> {
    const offender = typeof refusal['guest'] === 'string' ? refusal['guest'] : reportedBy;
    this.log.warn('a service refused a guest', { reportedBy, ...refusal });
    await this.recordViolation(offender, { reportedBy, ...refusal });
  }

  private async recordRevocation(revoker: string, grant: LiveGrant, reason: string): Promise<void> {
    await this.audit.append(AuditKind.grantRevoked, revoker, { ...grant, reason });
    await this.audit.appendDependency({ guest: grant.guest, service: grant.service, via: DependencyVia.device, edge: DependencyChange.stop });
  }

  private serviceStatus(service: ServicePolicy): ServiceStatus {
    const view = this.registry.view(service.id);
    const context = view?.context;
    const running = view?.state === 'running' && context?.runningSince !== undefined;
    return {
      id: service.id,
      role: service.role,
      state: view?.state ?? 'defined',
      instance: context?.instance ?? 0,
      pid: context?.handle?.pid ?? null,
      restarts: context?.rollbacks ?? 0,
      uptimeMs: running ? Date.now() - (context?.runningSince ?? 0) : null,
      lastRollback: context?.lastRollback ? { at: new Date(context.lastRollback.at).toISOString(), cause: context.lastRollback.cause, durationMs: context.lastRollback.durationMs } : null,
      rollback: context?.makeBeforeBreak ? (service.restart.kind === 'onRequest' ? 'per-request' : 'make-before-break') : 'replace',
      standbys: context?.makeBeforeBreak ? this.standbys.readyCount(service.id) : null,
      snapshot: context?.snapshot ? { digest: context.snapshot.digest, takenAt: new Date(context.snapshot.takenAt).toISOString() } : null,
      failure: context?.failure ?? null,
    };
  }
}

/** A string field of a request's payload; empty when it has none (the handler then names what is missing). */
function stringField(payload: unknown, name: string): string {
  return String((payload as Record<string, unknown> | null)?.[name] ?? '');
}

function serviceOf(policy: HostPolicy, id: string): ServicePolicy {
  const service = policy.services.find((s) => s.id === id);
  if (service === undefined) throw new UnknownServiceError(policy.host.name, id, policy.services.map((s) => s.id));
  return service;
}

/**
 * The XenStore socket of the control domain, as xenstored offers one to dom0's tools: each
 * client is relayed to XenStore-Logic as a session of domain 0. Hosts without XenStore have none.
 */
async function serveXenstoreSocket(policy: HostPolicy, paths: HostPaths, nc: NatsConnection): Promise<XenstoreUnixSocketServer | undefined> {
  if (!policy.services.some((service) => service.role === Role.xenstoreLogic)) return undefined;
  mkdirSync(dirname(paths.xenstoreSocket), { recursive: true, mode: 0o700 });
  rmSync(paths.xenstoreSocket, { force: true });
  return XenstoreUnixSocketServer.listen({ path: paths.xenstoreSocket, channels: busChannels({ nc, host: policy.host.name, domid: CONTROL_DOMID }) });
}
