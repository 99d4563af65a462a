import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../shared/project-root.js';
import { eventually, isAlive, writePolicy } from './support/test-host.js';

const CLI = join(projectRoot(), 'dist', 'services', 'cli', 'main.js');
const ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/root' };

function xoar(stateDir: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args, '--state-dir', stateDir], { env: ENV, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, json: () => JSON.parse(result.stdout) };
}

/** `xoar host up --json` of the fast test host in a fresh state dir, booted; its JSON lines keep arriving in `lines`. */
async function hostUp(prefix: string) {
  const stateDir = mkdtempSync(join(tmpdir(), prefix));
  const up = spawn(process.execPath, [CLI, 'host', 'up', '--json', '--policy', writePolicy(stateDir), '--state-dir', stateDir], { env: ENV, stdio: ['ignore', 'pipe', 'ignore'] });
  const lines: Array<Record<string, any>> = [];
  createInterface({ input: up.stdout! }).on('line', (line) => lines.push(JSON.parse(line)));
  const booted = await eventually(() => lines.find((e) => e['event'] === 'booted'), 'host up to report booted');
  /** Every service VM's pid and the broker's. */
  const pids = (booted['status']['services'] as Array<{ pid: number | null }>).flatMap((s) => (s.pid ? [s.pid] : [])).concat(booted['status']['natsPid']);
  return { stateDir, up, lines, pids };
}

describe('the xoar CLI against a running host', () => {
  let stateDir: string;
  let up: ChildProcess;
  let events: Array<Record<string, any>>;

  beforeAll(async () => {
    ({ stateDir, up, lines: events } = await hostUp('xoar-cli-'));
  });
  afterAll(() => {
    if (up.exitCode === null) up.kill('SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('host up --json streams every transition as a JSON line', () => {
    const transitions = events.filter((e) => e['event'] === 'transition');
    expect(transitions.find((e) => e['service'] === 'boot' && e['to'] === 'running')).toBeDefined();
    expect(transitions.find((e) => e['service'] === 'pci' && e['to'] === 'destroyed')).toBeDefined();
  });

  it('host status --json lists every service with state, pid, restarts and uptime', () => {
    const status = xoar(stateDir, 'host', 'status', '--json');
    expect(status.code).toBe(0);
    const services = status.json()['services'] as Array<Record<string, any>>;
    expect(services.map((s) => s['id'])).toEqual(['boot', 'pci', 'xs-state', 'xs-logic', 'builder', 'toolstack', 'blk', 'net']);
    const net = services.find((s) => s['id'] === 'net');
    expect(net).toMatchObject({ role: 'network', state: 'running', instance: 1 });
    expect(isAlive(net?.['pid'])).toBe(true);
  });

  it('host status prints a table for people', () => {
    const status = xoar(stateDir, 'host', 'status');
    expect(status.stdout).toMatch(/SERVICE\s+ROLE\s+STATE\s+PID/);
    expect(status.stdout).toMatch(/net\s+network\s+running/);
    expect(status.stdout).toMatch(/^XenStore socket: .*xenstored\/socket/m);
  });

  it('service restart rolls a service back and reports the new instance', () => {
    const restart = xoar(stateDir, 'service', 'restart', 'net', '--json');
    expect(restart.code).toBe(0);
    expect(restart.json()).toMatchObject({ id: 'net', state: 'running', instance: 2, lastRollback: { cause: 'operator' } });
  });

  it('service snapshot retakes a snapshot, and service rollback rolls back make before break', () => {
    const snapshot = xoar(stateDir, 'service', 'snapshot', 'net', '--json');
    expect(snapshot.code).toBe(0);
    expect(snapshot.json()).toMatchObject({ id: 'net', state: 'running', snapshot: { digest: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    const rollback = xoar(stateDir, 'service', 'rollback', 'net');
    expect(rollback.code).toBe(0);
    expect(rollback.stdout).toMatch(/^net rolled back \(make-before-break\): instance \d+, pid \d+, /);
    const status = xoar(stateDir, 'host', 'status');
    // RESTARTS 2 (this rollback and the restart before), and the last rollback's cause and duration.
    expect(status.stdout).toMatch(/net\s+network\s+running\s+\d+\s+\d+\s+2\s+.*\s+operator (<1 ms|\d+ ms),/);
  });

  it('host up refuses a standby pool of 0 as a usage error, exit 2', () => {
    const up = xoar(stateDir, 'host', 'up', '--standbys', '0');
    expect(up.code).toBe(2);
    expect(up.stderr).toContain('--standbys must be a whole number from 1 to 64');
  });

  it('service restart of an unknown service says which exist, exit 2', () => {
    const restart = xoar(stateDir, 'service', 'restart', 'nope');
    expect(restart.code).toBe(2);
    expect(restart.stderr).toContain('has no service VM "nope"');
    expect(restart.stderr).toContain('known service VMs: boot, pci, xs-state');
  });

  it('xs write, read, ls and rm go through the XenStore socket that host status names', () => {
    const socket = xoar(stateDir, 'host', 'status', '--json').json()['xenstore']['socket'] as string;
    expect(xoar(stateDir, 'xs', 'write', '/cli/name', 'guest one').code).toBe(0);
    expect(xoar(stateDir, 'xs', 'read', '/cli/name', '--json').json()).toEqual({ path: '/cli/name', value: 'guest one' });
    expect(spawnSync('xenstore-read', ['/cli/name'], { env: { ...ENV, XENSTORED_PATH: socket }, encoding: 'utf8' }).stdout).toBe('guest one\n');
    const listed = xoar(stateDir, 'xs', 'ls', '/cli', '--json').json();
    expect(listed).toMatchObject({ path: '/cli', children: [{ path: '/cli/name', value: 'guest one', perms: ['n0'] }] });
    expect(xoar(stateDir, 'xs', 'ls', '/cli').stdout).toContain('name = "guest one"  (n0)');
    expect(xoar(stateDir, 'xs', 'rm', '/cli/name').code).toBe(0);
    const missing = xoar(stateDir, 'xs', 'read', '/cli/name', '--json');
    expect(missing.code).toBe(1);
    expect(missing.json()).toMatchObject({ ok: false, error: { code: 'xenstore-request-refused', message: 'XenStore refused READ /cli/name: ENOENT' } });
  });

  it('xs watch prints the first event at once, then each change', async () => {
    const watch = spawn(process.execPath, [CLI, 'xs', 'watch', '/cli/watched', '--count', '2', '--json', '--state-dir', stateDir], { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    const events: Array<Record<string, any>> = [];
    createInterface({ input: watch.stdout! }).on('line', (line) => events.push(JSON.parse(line)));
    await eventually(() => (events.length === 1 ? true : undefined), 'the initial watch event');
    expect(xoar(stateDir, 'xs', 'write', '/cli/watched/child', 'x').code).toBe(0);
    const exitCode = await new Promise((resolve) => (watch.exitCode === null ? watch.once('exit', resolve) : resolve(watch.exitCode)));
    expect(exitCode).toBe(0);
    expect(events.map((event) => event['path'])).toEqual(['/cli/watched', '/cli/watched/child']);
  });

  it("audit verify and exposure read the host's stream with the auditor's own credentials", () => {
    const verify = xoar(stateDir, 'audit', 'verify', '--json');
    expect(verify.code).toBe(0);
    expect(verify.json()).toMatchObject({ ok: true });
    const exposure = xoar(stateDir, 'audit', 'exposure', '--component', 'net', '--since', new Date(Date.now() - 60_000).toISOString(), '--json');
    expect(exposure.code).toBe(0);
    // The role comes from the host's booting record: a network backend does not keep state across rollbacks.
    // Its xenbus back-end talks to XenStore-Logic, which writes to XenStore-State: the request records carry the compromise on.
    const answer = exposure.json() as { compromised: Array<{ component: string; role: string; windows: Array<{ because: string[] }> }>; guests: unknown[] };
    expect(answer).toMatchObject({ component: 'net', guests: [] });
    expect(answer.compromised.map(({ component, role }) => [component, role])).toEqual([
      ['net', 'network'],
      ['xs-logic', 'xenstore-logic'],
      ['xs-state', 'xenstore-state'],
    ]);
    expect(answer.compromised[1]?.windows[0]?.because).toContainEqual(expect.stringMatching(/^xs-logic accepted (a request|requests) from net /));
  });

  it('policy apply takes a new restart schedule live, and refuses with exit 3 what needs a restart, applying nothing', () => {
    const next = writePolicy(mkdtempSync(join(stateDir, 'next-')), (policy) => {
      policy['services'].find((s: { id: string }) => s.id === 'net')['restart'] = { every: '30s' };
    });
    const applied = xoar(stateDir, 'policy', 'apply', next);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(`applied ${next}`);
    expect(applied.stdout).toContain('restart schedules started over: net');
    expect(applied.stdout).toContain('broker permissions changed: none');

    const withoutNet = writePolicy(mkdtempSync(join(stateDir, 'smaller-')), (policy) => {
      policy['services'] = policy['services'].filter((s: { id: string }) => s.id !== 'net');
    });
    const refused = xoar(stateDir, 'policy', 'apply', withoutNet, '--json');
    expect(refused.code).toBe(3);
    expect(refused.json()).toMatchObject({ ok: false, error: { code: 'policy-needs-restart', message: expect.stringContaining('/services/net') } });
    expect(xoar(stateDir, 'host', 'status', '--json').json()['services']).toHaveLength(8);
  });

  it('host down stops everything: host up exits 0 and no service process is left', async () => {
    const status = xoar(stateDir, 'host', 'status', '--json').json();
    const pids = (status['services'] as Array<{ pid: number | null }>).flatMap((s) => (s.pid ? [s.pid] : [])).concat(status['natsPid']);
    const down = xoar(stateDir, 'host', 'down', '--json');
    expect(down.code).toBe(0);
    const exitCode = await new Promise((resolve) => (up.exitCode === null ? up.once('exit', resolve) : resolve(up.exitCode)));
    expect(exitCode).toBe(0);
    expect(pids.length).toBe(7);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(xoar(stateDir, 'host', 'status').code).toBe(4);
  });
});

describe('Ctrl-C on host up', () => {
  it('stops every service VM and the broker, and exits 0', async () => {
    const { stateDir, up, lines, pids } = await hostUp('xoar-cli-int-');

    up.kill('SIGINT');
    const exitCode = await new Promise((resolve) => up.once('exit', resolve));
    expect(exitCode).toBe(0);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(lines.at(-1)).toMatchObject({ event: 'stopped' });
    rmSync(stateDir, { recursive: true, force: true });
  });
});

describe('a supervisor killed with SIGKILL', () => {
  it('takes its service VMs and its broker with it: the kernel kills them (parent-death signal)', async () => {
    const { stateDir, up, pids } = await hostUp('xoar-cli-kill-');

    up.kill('SIGKILL');
    await eventually(() => (pids.some(isAlive) ? undefined : true), 'every service VM and the broker to be gone');
    expect(pids.filter(isAlive)).toEqual([]);
    rmSync(stateDir, { recursive: true, force: true });
  });
});

describe('the xoar CLI on bad input', () => {
  let stateDir: string;
  let listener: Server;
  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'xoar-cli-bad-'));
    listener = createServer();
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => {
    listener.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('host status with no host running: says how to start one, exit 4', () => {
    const result = xoar(stateDir, 'host', 'status');
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('xoar host up');
  });

  it('an invalid policy: names the file and the JSON pointer, exit 3, nothing started', () => {
    const file = join(stateDir, 'bad.json');
    writeFileSync(file, JSON.stringify({ version: 1, host: { name: 'bad', driver: 'process' }, services: [{ id: 'boot', role: 'bootloader' }] }));
    const result = xoar(stateDir, 'host', 'up', '--policy', file);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(file);
    expect(result.stderr).toContain('/services/0/role');
  });

  it('nats-server missing: says how to install it, exit 5', () => {
    const result = xoar(stateDir, 'host', 'up', '--policy', writePolicy(stateDir), '--nats-server', '/nonexistent/nats-server');
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/nats-server/);
    expect(result.stderr).toContain('how to fix');
  });

  it('a broker port already taken: names the port, exit 5', () => {
    const port = (listener.address() as { port: number }).port;
    const result = xoar(stateDir, 'host', 'up', '--policy', writePolicy(stateDir), '--nats-port', String(port));
    expect(result.code).toBe(5);
    expect(result.stderr).toContain(String(port));
  });

  it('a service VM that cannot start: the host is stopped, the reason given, exit 6', () => {
    const policy = writePolicy(stateDir, (p) => {
      p['pci'] = { fixture: join(stateDir, 'no-such-pci.json') };
      p['restartBudget'] = { maxRestarts: 1, within: '60s', backoff: { initial: '10ms', max: '10ms' } };
    });
    const result = xoar(stateDir, 'host', 'up', '--policy', policy);
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('service VM "pci" failed: crashed 2 times');
    expect(result.stderr).toContain('cannot read PCI devices from');
    expect(result.stderr).toContain('pci.log');
  });

  it('--json errors are JSON with code, message and hint', () => {
    const result = xoar(stateDir, 'host', 'status', '--json');
    expect(result.code).toBe(4);
    expect(result.json()).toMatchObject({ ok: false, error: { code: 'host-not-running' } });
  });
});

describe('policy commands', () => {
  const stateDir = tmpdir();
  const defaultPolicy = join(projectRoot(), 'policies', 'default.json');

  it('policy validate accepts the default policy and lists its service VMs', () => {
    const result = xoar(stateDir, 'policy', 'validate', defaultPolicy, '--json');
    expect(result.code).toBe(0);
    expect(result.json()).toMatchObject({ ok: true, host: 'demo' });
    expect(result.json()['services']).toHaveLength(8);
  });

  it('policy validate --json lists every problem with its pointer, exit 3', () => {
    const dir = mkdtempSync(join(tmpdir(), 'xoar-policy-'));
    const file = writePolicy(dir, (p) => {
      p['services'].push({ id: 'blk', role: 'block' });
      p['services'][0]['restart'] = { every: '5s' };
    });
    const result = xoar(stateDir, 'policy', 'validate', file, '--json');
    expect(result.code).toBe(3);
    const issues = result.json()['error']['issues'] as Array<{ pointer: string }>;
    expect(issues.map((issue) => issue.pointer)).toEqual(expect.arrayContaining(['/services/0/restart', '/services/8/id']));
    rmSync(dir, { recursive: true, force: true });
  });

  it('policy explain shows what a principal may do and why, and nothing else', () => {
    const result = xoar(stateDir, 'policy', 'explain', defaultPolicy, '--principal', 'blk-shared', '--json');
    expect(result.code).toBe(0);
    const rules = result.json()['rules'] as Array<{ effect: string; direction: string; subject: string; because: string }>;
    expect(rules).toContainEqual({ effect: 'allow', direction: 'publish', subject: 'xoar.demo.rpc.xs-logic.>', because: 'role block uses xenstore-logic services' });
    expect(rules.filter((rule) => rule.effect === 'allow' && rule.subject.includes('xs-state'))).toEqual([]);
  });

  it('policy explain of a principal the policy does not have: exit 2, with the ones it has', () => {
    const result = xoar(stateDir, 'policy', 'explain', defaultPolicy, '--principal', 'mallory');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('principals: supervisor, operator');
  });
});
