import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../shared/audit/audit-log.js';
import { auditorRules } from '../../shared/audit/auditor-permissions.js';
import { createPrincipalKey } from '../../shared/broker/credentials.js';
import { type NatsServer, startNatsServer } from '../../shared/broker/nats-server.js';
import { connectAs } from '../../shared/bus/connect.js';
import { auditStreamName } from '../../shared/bus/subjects.js';
import { toPermissions } from '../../shared/policy/compile-permissions.js';
import { projectRoot } from '../../shared/project-root.js';
import { auditIndexFile, auditorSeedFile } from '../../services/cli/commands/audit-reader.js';
import { writeRuntime } from '../../services/supervisor/runtime-file.js';
import { hostPaths } from '../../services/supervisor/state-dir.js';

const CLI = join(projectRoot(), 'dist', 'services', 'cli', 'main.js');
const ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/root' };
const HOST = 'audited';

describe('xoar audit against a host audit stream, as the auditor', () => {
  const supervisor = createPrincipalKey('supervisor');
  const auditor = createPrincipalKey('auditor');
  let stateDir: string;
  let server: NatsServer;
  let nc: NatsConnection;
  let before: string;

  const xoar = (...args: string[]) => {
    const result = spawnSync(process.execPath, [CLI, 'audit', ...args, '--state-dir', stateDir], { env: ENV, encoding: 'utf8', timeout: 30_000 });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr, json: () => JSON.parse(result.stdout) };
  };

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'xoar-audit-cli-'));
    const paths = hostPaths(stateDir, HOST);
    mkdirSync(paths.brokerDir, { recursive: true });
    server = await startNatsServer({
      dir: paths.brokerDir,
      authorization: {
        principals: [
          { name: supervisor.name, nkey: supervisor.publicKey, permissions: { publish: { allow: ['>'] }, subscribe: { allow: ['>'] } } },
          { name: auditor.name, nkey: auditor.publicKey, permissions: toPermissions(auditorRules(HOST)) },
        ],
      },
    });
    writeRuntime(paths, { v: 1, host: HOST, pid: process.pid, natsUrl: server.url, operatorSeedFile: join(paths.dir, 'operator.seed'), policy: 'test', startedAt: new Date().toISOString() });
    writeFileSync(auditorSeedFile(stateDir, HOST), `${auditor.seed}\n`, { mode: 0o600 });
    nc = await connectAs({ url: server.url, principal: supervisor.name, seed: supervisor.seed });
    before = new Date(Date.now() - 1000).toISOString();
    const log = await AuditLog.open(nc, HOST);
    /** Each record a few milliseconds after the one before, so that no two share a time stamp. */
    const apart = () => new Promise((resolve) => setTimeout(resolve, 5));
    await log.append('host', 'supervisor', { event: 'booting', services: [{ id: 'blk', role: 'block' }] });
    await apart();
    await log.appendDependency({ guest: 'g1', service: 'blk', via: 'device', edge: 'start' });
    await apart();
    await log.append('rollback', 'blk', { cause: 'timer' });
    await apart();
    await log.appendDependency({ guest: 'g1', service: 'blk', via: 'device', edge: 'stop' });
  });
  afterAll(async () => {
    await nc.close();
    await server.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('audit verify --json reports an intact chain', () => {
    const verify = xoar('verify', '--json');
    expect(verify.code).toBe(0);
    expect(verify.json()).toMatchObject({ host: HOST, ok: true, records: 4, head: { n: 4 } });
  });

  it('audit exposure --json answers from the index, and keeps its checkpoint', () => {
    const [rollback, start] = [xoar('query', '--kind', 'rollback', '--json').json()[0], xoar('query', '--guest', 'g1', '--json').json()[0]];
    const exposure = xoar('exposure', '--component', 'blk', '--since', before, '--json');
    expect(exposure.code).toBe(0);
    const window = [`blk was compromised at ${before}`, `blk was rolled back (timer) at ${rollback.at}: what was planted in it is gone`];
    expect(exposure.json()).toMatchObject({
      component: 'blk',
      since: before,
      compromised: [{ component: 'blk', role: 'block', windows: [{ from: before, to: rollback.at, open: false, because: window }] }],
      guests: [{ guest: 'g1', exposures: [{ service: 'blk', via: 'device', from: start.at, to: rollback.at, open: false }] }],
    });
    expect(existsSync(auditIndexFile(stateDir, HOST))).toBe(true);
    expect(xoar('exposure', '--component', 'blk', '--since', before).stdout).toContain('guests exposed:\n  g1 via blk (device)');
  });

  it('audit timeline and tail show the guest and the last records', () => {
    expect(xoar('timeline', '--guest', 'g1', '--json').json().timeline.map((e: { event: string }) => e.event)).toEqual(['start', 'service-ended', 'stop']);
    const tail = xoar('tail', '-n', '2', '--json');
    expect(tail.stdout.trim().split('\n').map((line) => JSON.parse(line).n)).toEqual([3, 4]);
  });

  it('says what is wrong with a time or missing credentials', () => {
    const badTime = xoar('exposure', '--component', 'blk', '--since', 'yesterday-ish', '--json');
    expect(badTime.code).toBe(1);
    expect(badTime.json()).toMatchObject({ ok: false, error: { code: 'audit-invalid-time' } });
    const noSeed = xoar('verify', '--credentials', join(stateDir, 'nope.seed'));
    expect(noSeed.code).toBe(1);
    expect(noSeed.stderr).toContain(`no auditor credentials at ${join(stateDir, 'nope.seed')}`);
  });

  it('audit verify --json names a deleted record and exits 1', async () => {
    await (await jetstreamManager(nc)).streams.deleteMessage(auditStreamName(HOST), 2);
    const verify = xoar('verify', '--json');
    expect(verify.code).toBe(1);
    expect(verify.json()).toMatchObject({ host: HOST, ok: false, records: 3, problem: { fault: 'removed', seq: 3, n: 3 } });
  });
});
