import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../shared/project-root.js';

const CLI = join(projectRoot(), 'dist', 'services', 'cli', 'main.js');
const ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/root' };

interface Rule {
  direction: string;
  effect: string;
  subject: string;
  because: string;
}

function explain(example: string, principal: string, ...flags: string[]) {
  const result = spawnSync(process.execPath, [CLI, 'policy', 'explain', join(projectRoot(), 'policies', example), '--principal', principal, '--state-dir', tmpdir(), ...flags], { env: ENV, encoding: 'utf8', timeout: 30_000 });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.stdout;
}

function explainJson(example: string, principal: string): { principal: string; rules: Rule[]; allowResponses?: { because: string } } {
  return JSON.parse(explain(example, principal, '--json'));
}

const allowed = (rules: readonly Rule[], direction: string) => rules.filter((rule) => rule.effect === 'allow' && rule.direction === direction);

const DENIED = ['xoar.per-tenant.audit.>', '$JS.>', '$KV.>', '$O.>', '$SYS.>'];

describe('policy explain on per-tenant.json', () => {
  it("a block backend that serves one tenant: its own subjects and XenStore as its own domain, nothing of the other tenant's", () => {
    const { rules, allowResponses } = explainJson('per-tenant.json', 'blk-bank');
    expect(allowed(rules, 'publish')).toEqual([
      { direction: 'publish', effect: 'allow', subject: 'xoar.per-tenant.svc.blk-bank.status', because: 'every service reports its status and heartbeats to the supervisor' },
      { direction: 'publish', effect: 'allow', subject: 'xoar.per-tenant.rpc.xs-logic.>', because: 'role block uses xenstore-logic services' },
      { direction: 'publish', effect: 'allow', subject: 'xoar.per-tenant.xs.req.8.*', because: 'blk-bank uses xs-logic as domain 8, and as no other' },
    ]);
    expect(allowed(rules, 'subscribe').map((rule) => rule.subject)).toEqual([
      'xoar.per-tenant.svc.blk-bank.ctl',
      'xoar.per-tenant.rpc.blk-bank.>',
      '_INBOX.blk-bank.>',
      'xoar.per-tenant.xs.evt.8.*',
      'xoar.per-tenant.xs.up',
    ]);
    expect(rules.filter((rule) => rule.effect === 'deny' && rule.direction === 'publish').map((rule) => rule.subject)).toEqual(DENIED);
    expect(allowResponses).toEqual({ because: 'every service answers the requests it receives' });
  });

  it('a toolstack: the builder only for the guests of the tenant it serves', () => {
    const { rules } = explainJson('per-tenant.json', 'ts-bank');
    const manages = 'role toolstack holds vm.manage:own: it manages the guests it serves (bank-app, bank-ledger) through the builder';
    expect(allowed(rules, 'publish').filter((rule) => rule.subject.includes('.builder.'))).toEqual([
      { direction: 'publish', effect: 'allow', subject: 'xoar.per-tenant.rpc.builder.ping', because: `${manages} (and may check that it answers)` },
      { direction: 'publish', effect: 'allow', subject: 'xoar.per-tenant.rpc.builder.g.bank-app.>', because: manages },
      { direction: 'publish', effect: 'allow', subject: 'xoar.per-tenant.rpc.builder.g.bank-ledger.>', because: manages },
    ]);
    expect(rules.filter((rule) => rule.effect === 'allow' && /shop/.test(rule.subject))).toEqual([]);
  });

  it('a guest: its own inbox and, by the explicit grant, its toolstack about itself only', () => {
    const { rules, allowResponses } = explainJson('per-tenant.json', 'bank-app');
    const because = "bank-app restarts itself through its tenant's toolstack";
    expect(rules.filter((rule) => rule.effect === 'allow')).toEqual([
      { direction: 'subscribe', effect: 'allow', subject: '_INBOX.bank-app.>', because: 'every guest reads replies in its own inbox' },
      { direction: 'publish', effect: 'allow', subject: 'xoar.per-tenant.rpc.ts-bank.ping', because: `${because} (and may check that it answers)` },
      { direction: 'publish', effect: 'allow', subject: 'xoar.per-tenant.rpc.ts-bank.g.bank-app.>', because },
    ]);
    expect(allowResponses).toBeUndefined();
  });

  it('prints the rules by direction, allows first, with the reason beside each subject', () => {
    const text = explain('per-tenant.json', 'bank-app');
    expect(text.split('\n').map((line) => line.trimEnd())).toEqual([
      'bank-app at the broker of host "per-tenant":',
      '  publish',
      "    allow xoar.per-tenant.rpc.ts-bank.ping          bank-app restarts itself through its tenant's toolstack (and may check that it answers)",
      "    allow xoar.per-tenant.rpc.ts-bank.g.bank-app.>  bank-app restarts itself through its tenant's toolstack",
      '    deny  xoar.per-tenant.audit.>                   only the supervisor writes and reads the audit log',
      '    deny  $JS.>                                     JetStream API: streams are managed by the supervisor only',
      '    deny  $KV.>                                     key-value buckets belong to the supervisor',
      '    deny  $O.>                                      object stores (snapshots) belong to the supervisor',
      "    deny  $SYS.>                                    the server's system account is not for services",
      '  subscribe',
      '    allow _INBOX.bank-app.>                         every guest reads replies in its own inbox',
      '    deny  xoar.per-tenant.audit.>                   only the supervisor writes and reads the audit log',
      '    deny  $JS.>                                     JetStream API: streams are managed by the supervisor only',
      '    deny  $KV.>                                     key-value buckets belong to the supervisor',
      '    deny  $O.>                                      object stores (snapshots) belong to the supervisor',
      "    deny  $SYS.>                                    the server's system account is not for services",
      '',
    ]);
  });

  it("prints a service's scoped builder subjects and its right to reply", () => {
    const text = explain('per-tenant.json', 'ts-bank');
    const manages = 'role toolstack holds vm.manage:own: it manages the guests it serves (bank-app, bank-ledger) through the builder';
    expect(text).toContain(`\n    allow xoar.per-tenant.rpc.builder.g.bank-app.>     ${manages}\n`);
    expect(text).toContain(`\n    allow xoar.per-tenant.rpc.builder.g.bank-ledger.>  ${manages}\n`);
    expect(text).toContain('\n  subscribe\n    allow xoar.per-tenant.svc.ts-bank.ctl              every service takes commands from the supervisor\n');
    expect(text).toContain('\n  reply\n    allow to the requests it receives                  every service answers the requests it receives\n');
    expect(text).not.toContain('shop');
  });
});

describe('policy explain on paper.json and all-shared.json', () => {
  it("the paper's per-guest toolstack reaches the builder for its one guest", () => {
    const { rules } = explainJson('paper.json', 'ts-alice-web');
    expect(allowed(rules, 'publish').filter((rule) => rule.subject.includes('.builder.')).map((rule) => [rule.subject, rule.because])).toEqual([
      ['xoar.paper.rpc.builder.ping', 'role toolstack holds vm.manage:own: it manages the guests it serves (alice-web) through the builder (and may check that it answers)'],
      ['xoar.paper.rpc.builder.g.alice-web.>', 'role toolstack holds vm.manage:own: it manages the guests it serves (alice-web) through the builder'],
    ]);
  });

  it("the paper's per-guest block backend: XenStore and its own requests, no guest's", () => {
    const text = explain('paper.json', 'blk-bob-db');
    expect(text).toContain('\n    allow xoar.paper.rpc.xs-logic.>         role block uses xenstore-logic services\n');
    expect(text).not.toContain('alice');
  });

  it('the shared toolstack of a classic dom0 split reaches the builder for every guest, one subject each', () => {
    const { rules } = explainJson('all-shared.json', 'toolstack');
    expect(allowed(rules, 'publish').filter((rule) => rule.subject.includes('.builder.')).map((rule) => rule.subject)).toEqual([
      'xoar.all-shared.rpc.builder.ping',
      'xoar.all-shared.rpc.builder.g.web.>',
      'xoar.all-shared.rpc.builder.g.mail.>',
      'xoar.all-shared.rpc.builder.g.db.>',
    ]);
  });
});
