import { setTimeout as sleep } from 'node:timers/promises';
import type { CommandModule } from 'yargs';
import { connectSocketChannel } from '../../../shared/xenstore/socket-channel.js';
import { XenstoreClient } from '../../../shared/xenstore/xenstore-client.js';
import { AuditIndex } from '../../../shared/audit/audit-index.js';
import { readAudit } from '../../../shared/audit/audit-log.js';
import { exposure } from '../../../shared/audit/exposure.js';
import type { AuditRecord } from '../../../shared/audit/audit-record.js';
import { connectAs } from '../../../shared/bus/connect.js';
import { request } from '../../../shared/bus/rpc.js';
import { subjects } from '../../../shared/bus/subjects.js';
import type { GuestWorkload } from '../../../shared/guest/guest-config.js';
import { type BuiltGuest, ToolstackOp } from '../../../shared/guest/guest-ops.js';
import { ReservedPrincipal } from '../../../shared/policy/principals.js';
import { Role } from '../../../shared/policy/types.js';
import type { Supervisor } from '../../supervisor/supervisor.js';
import type { GlobalOptions } from '../global-options.js';
import { runCommand } from '../output.js';
import { renderStatus } from '../render-status.js';
import { exposureText } from './audit-render.js';
import { type SupervisorCliOptions, startSupervisor, withSupervisorOptions } from '../supervisor-options.js';

type Options = GlobalOptions & SupervisorCliOptions;

const POLL_MS = 100;
const TIMED_ROLLBACK_WAIT_MS = 60_000;

/**
 * The main job end to end, in under a minute: a host boots from its policy, the disposable
 * roles retire, the policy's guests are created through their toolstack and run verified I/O
 * while their backends roll back on their timers, an operator rolls one back by hand, a crash is recovered, a compromised service
 * is refused by the broker, and the audit log answers the auditor's exposure question.
 */
export const demoCommand: CommandModule<GlobalOptions, Options> = {
  command: 'demo',
  describe: 'Run the end-to-end demo: boot, self-destruct, guests created, timed rollbacks under their load, a crash, a refused attack, an audit query',
  builder: (yargs) => withSupervisorOptions(yargs),
  handler: (argv) =>
    runCommand(argv, async () => {
      const say = narrator(argv.json);
      const began = Date.now();
      say('boot', `booting host from ${argv.policy}`);
      const supervisor = await startSupervisor(argv);
      try {
        await supervisor.booted;
        say('booted', `all roles booted in ${Date.now() - began} ms; boot and pci-config retired`, { status: supervisor.status() });
        if (!argv.json) process.stdout.write(`${renderStatus(supervisor.status())}\n\n`);
        const guestsCreatedAt = new Date();
        await createGuests(supervisor, say);
        await timedRollbacks(supervisor, say);
        guestLoads(supervisor, say);
        await operatorRollback(supervisor, say);
        await crashRecovery(supervisor, say);
        await refusedAttack(supervisor, say);
        await auditQuery(supervisor, say, guestsCreatedAt);
      } finally {
        await supervisor.stop();
      }
      say('stopped', `host stopped; every service VM and the broker are gone (${Date.now() - began} ms in all)`);
    }),
};

type Say = (step: string, text: string, data?: Record<string, unknown>) => void;

function narrator(json: boolean): Say {
  return (step, text, data = {}) => {
    process.stdout.write(json ? `${JSON.stringify({ step, at: new Date().toISOString(), text, ...data })}\n` : `▸ ${text}\n`);
  };
}

async function until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`demo: timed out waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

/**
 * Creates every guest of the policy as an operator does (`xoar guest create`), through the
 * toolstack that serves it: the builder makes its domain, writes its XenStore entries, wires its
 * disks and vifs to their backends by runtime grants, and starts it. Each runs a verified block
 * load on its first disk and pings the next guest's MAC.
 */
async function createGuests(supervisor: Supervisor, say: Say): Promise<void> {
  const { guests } = supervisor.policy;
  if (guests.length === 0) return;
  const host = supervisor.policy.host.name;
  const { url, seed } = supervisor.credentialsOf(ReservedPrincipal.operator);
  const nc = await connectAs({ url, principal: ReservedPrincipal.operator, seed, name: 'demo-operator' });
  try {
    for (const [index, guest] of guests.entries()) {
      const toolstack = supervisor.status().guests.find((status) => status.id === guest.id)?.toolstack;
      if (toolstack === null || toolstack === undefined) continue;
      const peer = guests[(index + 1) % guests.length]?.vifs[0]?.mac;
      const workload: GuestWorkload = {
        ...(guest.disks[0] === undefined ? {} : { block: { vdev: guest.disks[0].vdev, regionBlocks: 128, concurrency: 4 } }),
        ...(peer === undefined || guest.vifs.length === 0 || peer === guest.vifs[0]?.mac ? {} : { net: { peerMac: peer, intervalMs: 50 } }),
      };
      const built = await request<BuiltGuest>(nc, subjects.rpcForGuest(host, toolstack, guest.id, ToolstackOp.create), { workload }, supervisor.status().guestOpTimeoutMs);
      const wiring = [...guest.disks.map((disk) => `${disk.vdev} → ${disk.backend}`), ...guest.vifs.map((vif) => `${vif.mac} → ${vif.backend}`)].join(', ');
      say('guest', `${toolstack} created guest ${guest.id} (tenant ${guest.tenant}) as domain ${built.domid}: ${wiring}; it runs a verified block load and pings its neighbour`, { guest: built });
    }
  } finally {
    await nc.close();
  }
}

/** What the guests' loads saw across the rollbacks under them. */
function guestLoads(supervisor: Supervisor, say: Say): void {
  for (const guest of supervisor.status().guests.filter((status) => status.state === 'running')) {
    const { block, net } = guest.workload ?? {};
    say(
      'guest-load',
      `guest ${guest.id} (pid ${guest.pid}, never restarted): ${block?.writesAcked ?? 0} writes acknowledged, ${block?.readsVerified ?? 0} reads verified, ${block?.verificationFailures ?? 0} verification failures, ${block?.retries ?? 0} requests resent across backend rollbacks; ${net?.answered ?? 0}/${net?.sent ?? 0} pings answered`,
      { guest },
    );
  }
}

async function timedRollbacks(supervisor: Supervisor, say: Say): Promise<void> {
  const drivers = supervisor.policy.services.filter((s) => (s.role === Role.block || s.role === Role.network) && s.restart.kind === 'every');
  say('timers', `waiting for the timed rollbacks of ${drivers.map((s) => `${s.id} (every ${s.restart.kind === 'every' ? s.restart.periodMs / 1000 : '?'} s)`).join(', ')}`);
  for (const driver of drivers) {
    const service = await until(() => supervisor.status().services.find((s) => s.id === driver.id && s.lastRollback?.cause === 'timer'), TIMED_ROLLBACK_WAIT_MS, `${driver.id} to roll back on its timer`);
    say('timed-rollback', `${service.id} rolled back on its timer in ${service.lastRollback?.durationMs} ms: now instance ${service.instance}, pid ${service.pid}`, { service });
  }
}

async function operatorRollback(supervisor: Supervisor, say: Say): Promise<void> {
  const target = supervisor.policy.services.find((s) => s.role === Role.xenstoreLogic);
  const socket = supervisor.status().xenstore?.socket;
  if (!target || socket === undefined) return;
  const xs = new XenstoreClient(await connectSocketChannel(socket));
  try {
    await xs.write('/demo/written-before-rollback', 'kept');
    say('xenstore', `wrote /demo/written-before-rollback through the XenStore socket ${socket} (XenStore-Logic made it durable in XenStore-State first)`);
    const service = await supervisor.restart(target.id);
    say('operator-rollback', `operator rolled ${service.id} back: ${service.lastRollback?.durationMs} ms, instance ${service.instance}`, { service });
    const value = await xs.read('/demo/written-before-rollback');
    say('xenstore', `read it back on the same connection from the new XenStore-Logic instance: "${value}"`, { value });
  } finally {
    await xs.close();
  }
}

async function crashRecovery(supervisor: Supervisor, say: Say): Promise<void> {
  const target = supervisor.status().services.find((s) => s.role === Role.toolstack && s.state === 'running');
  if (!target?.pid) return;
  process.kill(target.pid, 'SIGKILL');
  say('crash', `killed ${target.id} (pid ${target.pid}) with SIGKILL`);
  const service = await until(() => supervisor.status().services.find((s) => s.id === target.id && s.state === 'running' && s.instance > target.instance), 20_000, `${target.id} to recover`);
  say('recovered', `${service.id} crashed and was rolled back to its snapshot in ${service.lastRollback?.durationMs} ms (instance ${service.instance})`, { service });
}

/** Plays a compromised block backend: its own credentials, used outside its grants. */
async function refusedAttack(supervisor: Supervisor, say: Say): Promise<void> {
  const block = supervisor.policy.services.find((s) => s.role === Role.block);
  const state = supervisor.policy.services.find((s) => s.role === Role.xenstoreState);
  if (!block || !state) return;
  const host = supervisor.policy.host.name;
  const { url, seed } = supervisor.credentialsOf(block.id);
  const attacker = await connectAs({ url, principal: block.id, seed, name: 'demo-attacker' });
  const before = supervisor.status().violations;
  attacker.publish(subjects.rpc(host, state.id, 'write'), '{"path":"/local/domain/0","value":"pwned"}');
  attacker.publish(subjects.audit(host, 'lifecycle'), '{"forged":true}');
  await attacker.flush().catch(() => undefined);
  await until(() => (supervisor.status().violations >= before + 2 ? true : undefined), 10_000, 'the broker to report the violations');
  await attacker.close();
  say('attack-refused', `a compromised ${block.id} tried to write to ${state.id} and to forge an audit record: the broker refused both and the supervisor recorded them`);
}

async function auditQuery(supervisor: Supervisor, say: Say, compromisedAt: Date): Promise<void> {
  await supervisor.audit.flush();
  const records = await readAuditAsSupervisor(supervisor);
  const byKind = new Map<string, number>();
  for (const record of records) byKind.set(record.kind, (byKind.get(record.kind) ?? 0) + 1);
  say('audit', `audit log: ${records.length} records (${[...byKind].map(([kind, n]) => `${kind} ${n}`).join(', ')})`, { counts: Object.fromEntries(byKind) });
  for (const record of records.filter((r) => r.kind === 'rollback' || r.kind === 'self-destruct' || r.kind === 'violation' || r.kind === 'grant-issued')) {
    say('audit-record', `  #${record.seq} ${record.at.slice(11, 23)} ${record.kind.padEnd(13)} ${record.component.padEnd(11)} ${summarise(record)}`, { record });
  }
  const block = supervisor.policy.services.find((s) => s.role === Role.block);
  if (block === undefined) return;
  const index = new AuditIndex();
  for (const record of records) index.add(record);
  const answer = exposure(index, { component: block.id, since: compromisedAt, now: new Date() });
  say('exposure', `auditor: "if ${block.id} was compromised at ${compromisedAt.toISOString()}, who was exposed?"\n${exposureText(answer)}`, { answer });
}

async function readAuditAsSupervisor(supervisor: Supervisor): Promise<AuditRecord[]> {
  const { url, seed } = supervisor.credentialsOf('supervisor');
  const nc = await connectAs({ url, principal: 'supervisor', seed, name: 'demo-audit-reader' });
  try {
    return await readAudit(nc, supervisor.policy.host.name);
  } finally {
    await nc.close();
  }
}

function summarise(record: AuditRecord): string {
  const data = record.data;
  switch (record.kind) {
    case 'rollback':
      return `cause ${String(data['cause'])}, ${String(data['durationMs'])} ms, now instance ${String(data['instance'])}`;
    case 'self-destruct':
      return 'retired; its broker permissions revoked';
    case 'violation':
      if (data['reportedBy'] !== undefined) return `${String(data['reason'])} refused by ${String(data['reportedBy'])}`;
      return `${String(data['operation'] ?? data['op'])} ${String(data['subject'] ?? JSON.stringify(data['refused']))} refused`;
    case 'grant-issued':
      return `${String(data['guest'])}'s ${String((data['device'] as { id?: unknown } | undefined)?.id)} → ${String(data['service'])}`;
    default:
      return JSON.stringify(data);
  }
}
