import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Permissions } from '../broker/authorization.js';
import { subjects, SupervisorOp } from '../bus/subjects.js';
import { compilePermissions, Direction, Effect, explainPermissions, noLiveState } from './compile-permissions.js';
import { loadPolicy } from './load-policy.js';
import { mayPublish, maySubscribe } from './subject-permits.js';
import type { HostPolicy, ServicePolicy } from './types.js';

const none = noLiveState;
let policy: HostPolicy;
let permissions: Map<string, Permissions>;

beforeAll(async () => {
  const defaults = await loadPolicy(fileURLToPath(new URL('../../policies/default.json', import.meta.url)));
  const blk2: ServicePolicy = { id: 'blk-tenant-a', role: 'block', restart: { kind: 'never' }, devices: [], uses: [], serves: 'none', limits: {} };
  policy = { ...defaults, services: [...defaults.services, blk2] };
  permissions = compilePermissions(policy, none);
});

function of(principal: string): Permissions {
  const found = permissions.get(principal);
  if (found === undefined) throw new Error(`no permissions for ${principal}`);
  return found;
}

const host = 'demo';

describe('compilePermissions', () => {
  it('compiles one principal per service and per guest, plus supervisor, operator and auditor', () => {
    expect([...permissions.keys()]).toEqual(['supervisor', 'operator', 'auditor', ...policy.services.map((service) => service.id), 'web', 'db']);
  });

  it("lets boot ask the supervisor to start the platform, and nothing once it is retired", () => {
    expect(mayPublish(of('boot'), subjects.supervisor(host, SupervisorOp.platformStart, 'boot'))).toBe(true);
    expect(mayPublish(of('boot'), subjects.supervisor(host, SupervisorOp.pciAssign, 'boot'))).toBe(false);

    const retired = compilePermissions(policy, { ...noLiveState, retired: new Set(['boot']), grants: [] }).get('boot');
    expect(retired).toEqual({ publish: { allow: [], deny: ['>'] }, subscribe: { allow: [], deny: ['>'] } });
    for (const subject of [subjects.supervisor(host, SupervisorOp.platformStart, 'boot'), subjects.serviceStatus(host, 'boot')]) {
      expect(mayPublish(retired as Permissions, subject)).toBe(false);
    }
    expect(maySubscribe(retired as Permissions, subjects.serviceControl(host, 'boot'))).toBe(false);
  });

  it('lets only pci-config ask for pci.assign', () => {
    const assign = subjects.supervisor(host, SupervisorOp.pciAssign, 'pci');
    const allowed = [...permissions].filter(([name, perms]) => name !== 'supervisor' && mayPublish(perms, assign)).map(([name]) => name);
    expect(allowed).toEqual(['pci']);
  });

  it("lets a block service call xenstore-logic but not xenstore-state or another block service", () => {
    const blk = of('blk-shared');
    expect(mayPublish(blk, subjects.rpc(host, 'xs-logic', 'read'))).toBe(true);
    expect(mayPublish(blk, subjects.rpc(host, 'xs-state', 'read'))).toBe(false);
    expect(mayPublish(blk, subjects.rpc(host, 'blk-tenant-a', 'read'))).toBe(false);
    expect(mayPublish(blk, subjects.rpc(host, 'builder', 'build'))).toBe(false);
  });

  it("gives a service its own status, control, requests and inbox, and nobody else's", () => {
    const blk = of('blk-shared');
    expect(mayPublish(blk, subjects.serviceStatus(host, 'blk-shared'))).toBe(true);
    expect(mayPublish(blk, subjects.serviceStatus(host, 'net-shared'))).toBe(false);
    expect(maySubscribe(blk, subjects.serviceControl(host, 'blk-shared'))).toBe(true);
    expect(maySubscribe(blk, subjects.serviceControl(host, 'net-shared'))).toBe(false);
    expect(maySubscribe(blk, subjects.rpc(host, 'blk-shared', 'connect'))).toBe(true);
    expect(maySubscribe(blk, subjects.rpc(host, 'xs-logic', 'read'))).toBe(false);
    expect(maySubscribe(blk, `${subjects.inboxPrefix('blk-shared')}.1`)).toBe(true);
    expect(maySubscribe(blk, `${subjects.inboxPrefix('operator')}.1`)).toBe(false);
    expect(mayPublish(blk, subjects.control(host, 'host.down'))).toBe(false);
    expect(blk.allowResponses).toBe(true);
  });

  it('follows the role table: toolstack calls xenstore-logic, xenstore-logic calls xenstore-state', () => {
    expect(mayPublish(of('toolstack'), subjects.rpc(host, 'xs-logic', 'read'))).toBe(true);
    expect(mayPublish(of('toolstack'), subjects.rpc(host, 'xs-state', 'read'))).toBe(false);
    expect(mayPublish(of('xs-logic'), subjects.rpc(host, 'xs-state', 'read'))).toBe(true);
    expect(mayPublish(of('xs-state'), subjects.rpc(host, 'xs-logic', 'read'))).toBe(false);
  });

  it('lets a toolstack reach the builder only about the guests its vm.manage covers (and ping it)', () => {
    const toolstack = of('toolstack');
    expect(mayPublish(toolstack, subjects.rpcForGuest(host, 'builder', 'web', 'create'))).toBe(true);
    expect(mayPublish(toolstack, subjects.rpcForGuest(host, 'builder', 'db', 'create'))).toBe(true);
    expect(mayPublish(toolstack, subjects.rpc(host, 'builder', 'ping'))).toBe(true);
    expect(mayPublish(toolstack, subjects.rpc(host, 'builder', 'build'))).toBe(false);
    const onlyWeb: HostPolicy = { ...policy, services: policy.services.map((s) => (s.id === 'toolstack' ? { ...s, serves: { guests: ['web'] } } : s)) };
    const narrowed = compilePermissions(onlyWeb, none).get('toolstack') as Permissions;
    expect(mayPublish(narrowed, subjects.rpcForGuest(host, 'builder', 'web', 'create'))).toBe(true);
    expect(mayPublish(narrowed, subjects.rpcForGuest(host, 'builder', 'db', 'create'))).toBe(false);
    const everyGuest: HostPolicy = { ...onlyWeb, privileges: { ...onlyWeb.privileges, toolstack: ['vm.manage:*'] } };
    expect(mayPublish(compilePermissions(everyGuest, none).get('toolstack') as Permissions, subjects.rpcForGuest(host, 'builder', 'db', 'create'))).toBe(true);
  });

  it('gives the supervisor operations of a role its capabilities: grant.issue to the builder, pci.assign to pci-config', () => {
    expect(mayPublish(of('builder'), subjects.supervisor(host, SupervisorOp.grantIssue, 'builder'))).toBe(true);
    expect(mayPublish(of('builder'), subjects.supervisor(host, SupervisorOp.grantIssue, 'toolstack'))).toBe(false);
    expect(mayPublish(of('toolstack'), subjects.supervisor(host, SupervisorOp.grantIssue, 'toolstack'))).toBe(false);
    const noGrants: HostPolicy = { ...policy, privileges: { ...policy.privileges, builder: ['vm.create'] } };
    expect(mayPublish(compilePermissions(noGrants, none).get('builder') as Permissions, subjects.supervisor(host, SupervisorOp.grantIssue, 'builder'))).toBe(false);
  });

  it('gives a guest nothing but its inbox until a runtime grant wires it to a backend, and then only about itself', () => {
    const before = of('web');
    expect(maySubscribe(before, `${subjects.inboxPrefix('web')}.x`)).toBe(true);
    expect(mayPublish(before, subjects.rpcForGuest(host, 'blk-shared', 'web', 'read'))).toBe(false);
    const grant = { guest: 'web', service: 'blk-shared', device: { kind: 'vbd' as const, id: 'xvda' }, issuedBy: 'builder' };
    const web = compilePermissions(policy, { ...noLiveState, retired: new Set(), grants: [grant] }).get('web') as Permissions;
    expect(mayPublish(web, subjects.rpcForGuest(host, 'blk-shared', 'web', 'read'))).toBe(true);
    expect(mayPublish(web, subjects.rpcForGuest(host, 'blk-shared', 'db', 'read'))).toBe(false);
    expect(mayPublish(web, subjects.rpc(host, 'blk-shared', 'ping'))).toBe(false);
    expect(mayPublish(web, subjects.audit(host, 'lifecycle'))).toBe(false);
  });

  it('gives a guest that exists its status, its frames and XenStore as its own domain, and a vif grant lets its backend deliver its frames', () => {
    const grant = { guest: 'db', service: 'net-shared', device: { kind: 'vif' as const, id: '00:16:3e:00:00:02' }, issuedBy: 'builder' };
    const live = { ...noLiveState, grants: [grant], guests: new Map([['db', 9]]) };
    const compiled = compilePermissions(policy, live);
    const db = compiled.get('db') as Permissions;
    expect(mayPublish(db, subjects.guestStatus(host, 'db'))).toBe(true);
    expect(mayPublish(db, subjects.guestStatus(host, 'web'))).toBe(false);
    expect(mayPublish(db, subjects.xenstoreRequest(host, 9, 's1'))).toBe(true);
    expect(mayPublish(db, subjects.xenstoreRequest(host, 0, 's1'))).toBe(false);
    expect(maySubscribe(db, subjects.guestFrames(host, 'db', 0))).toBe(true);
    expect(maySubscribe(db, subjects.guestFrames(host, 'web', 0))).toBe(false);
    expect(mayPublish(db, subjects.guestFrames(host, 'web', 0))).toBe(false);
    expect(mayPublish(compiled.get('net-shared') as Permissions, subjects.guestFrames(host, 'db', 0))).toBe(true);
    expect(mayPublish(compiled.get('net-shared') as Permissions, subjects.guestFrames(host, 'web', 0))).toBe(false);
    expect(mayPublish(compiled.get('web') as Permissions, subjects.xenstoreRequest(host, 9, 's1'))).toBe(false);
    expect(mayPublish(of('db'), subjects.guestStatus(host, 'db'))).toBe(false);
  });

  it('lets the operator manage guests through each toolstack, and nothing else of it', () => {
    const operator = of('operator');
    expect(mayPublish(operator, subjects.rpcForGuest(host, 'toolstack', 'web', 'create'))).toBe(true);
    expect(mayPublish(operator, subjects.rpc(host, 'toolstack', 'ping'))).toBe(false);
    expect(mayPublish(operator, subjects.rpcForGuest(host, 'builder', 'web', 'build'))).toBe(false);
  });

  it('opens explicit grants, scoped to the guests they name', () => {
    const granted: HostPolicy = { ...policy, grants: [{ principal: 'net-shared', service: 'blk-shared', guests: ['db'] }] };
    const net = compilePermissions(granted, none).get('net-shared') as Permissions;
    expect(mayPublish(net, subjects.rpcForGuest(host, 'blk-shared', 'db', 'read'))).toBe(true);
    expect(mayPublish(net, subjects.rpcForGuest(host, 'blk-shared', 'web', 'read'))).toBe(false);
  });

  it('adds the services a policy names in uses', () => {
    const withUses: HostPolicy = {
      ...policy,
      services: policy.services.map((service) => (service.id === 'blk-shared' ? { ...service, uses: ['net-shared'] } : service)),
    };
    const blk = compilePermissions(withUses, none).get('blk-shared') as Permissions;
    expect(mayPublish(blk, subjects.rpc(host, 'net-shared', 'ping'))).toBe(true);
    expect(mayPublish(of('blk-shared'), subjects.rpc(host, 'net-shared', 'ping'))).toBe(false);
  });

  it('lets nobody but the supervisor publish or read the audit log or the server APIs (the auditor only reads, below)', () => {
    const forbidden = [subjects.audit(host, 'lifecycle'), '$JS.API.STREAM.INFO.XOAR_AUDIT_DEMO', '$KV.state.x', '$O.snapshots.x', '$SYS.REQ.SERVER.PING'];
    for (const [principal, perms] of [...permissions].filter(([name]) => name !== 'auditor')) {
      for (const subject of forbidden) {
        const expected = principal === 'supervisor';
        expect(mayPublish(perms, subject), `${principal} publish ${subject}`).toBe(expected);
        expect(maySubscribe(perms, subject), `${principal} subscribe ${subject}`).toBe(expected);
      }
    }
  });

  it('lets the auditor read the audit stream through JetStream, and neither write nor delete', () => {
    const auditor = of('auditor');
    expect(mayPublish(auditor, '$JS.API.STREAM.INFO.XOAR_AUDIT_DEMO')).toBe(true);
    expect(mayPublish(auditor, subjects.audit(host, 'lifecycle'))).toBe(false);
    expect(mayPublish(auditor, '$JS.API.STREAM.MSG.DELETE.XOAR_AUDIT_DEMO')).toBe(false);
    expect(mayPublish(auditor, '$JS.API.STREAM.PURGE.XOAR_AUDIT_DEMO')).toBe(false);
    expect(mayPublish(auditor, subjects.control(host, 'status'))).toBe(false);
  });

  it('lets the operator send commands and read its inbox, nothing else', () => {
    const operator = of('operator');
    expect(mayPublish(operator, subjects.control(host, 'status'))).toBe(true);
    expect(mayPublish(operator, subjects.rpc(host, 'xs-logic', 'read'))).toBe(false);
    expect(mayPublish(operator, subjects.supervisor(host, SupervisorOp.platformStart, 'operator'))).toBe(false);
    expect(maySubscribe(operator, `${subjects.inboxPrefix('operator')}.x`)).toBe(true);
    expect(maySubscribe(operator, subjects.allServiceStatus(host))).toBe(false);
  });

  it('does not change its input', () => {
    const before = JSON.stringify(policy);
    const retired = new Set(['boot']);
    compilePermissions(policy, { ...noLiveState, retired });
    expect(JSON.stringify(policy)).toBe(before);
    expect([...retired]).toEqual(['boot']);
  });
});

describe('explainPermissions', () => {
  it('traces every subject of every principal back to a rule with a reason', () => {
    const grant = { guest: 'db', service: 'net-shared', device: { kind: 'vif' as const, id: '00:16:3e:00:00:02' }, issuedBy: 'builder' };
    for (const live of [none, { retired: new Set(['boot', 'pci']), grants: [grant], guests: new Map([['db', 9]]) }]) {
      const explained = explainPermissions(policy, live);
      for (const [principal, perms] of compilePermissions(policy, live)) {
        const rules = explained.get(principal)?.rules ?? [];
        for (const direction of Object.values(Direction)) {
          for (const effect of Object.values(Effect)) {
            for (const subject of perms[direction][effect] ?? []) {
              const rule = rules.find((candidate) => candidate.direction === direction && candidate.effect === effect && candidate.subject === subject);
              expect(rule?.because, `${principal} ${direction} ${effect} ${subject}`).toMatch(/\w/);
            }
          }
        }
        expect(perms.allowResponses === true).toBe(explained.get(principal)?.allowResponses !== undefined);
      }
    }
  });

  it('says why a service may call another, once per subject even when two rules grant it', () => {
    const withUses: HostPolicy = {
      ...policy,
      services: policy.services.map((service) => (service.id === 'blk-shared' ? { ...service, uses: ['xs-logic'] } : service)),
    };
    const rules = explainPermissions(withUses, none).get('blk-shared')?.rules ?? [];
    const toLogic = rules.filter((rule) => rule.subject === subjects.rpcAll(host, 'xs-logic'));
    expect(toLogic).toEqual([
      {
        direction: 'publish',
        effect: 'allow',
        subject: 'xoar.demo.rpc.xs-logic.>',
        because: 'role block uses xenstore-logic services; service blk-shared lists "xs-logic" in uses',
      },
    ]);
  });

  it('says why a retired service has nothing', () => {
    const rules = explainPermissions(policy, { ...noLiveState, retired: new Set(['pci']), grants: [] }).get('pci');
    expect(rules?.allowResponses).toBeUndefined();
    expect(rules?.rules.map((rule) => rule.because)).toEqual([
      'pci is retired (a pci-config service is disposed of once its job is done): it keeps no privileges',
      'pci is retired (a pci-config service is disposed of once its job is done): it keeps no privileges',
    ]);
  });
});
