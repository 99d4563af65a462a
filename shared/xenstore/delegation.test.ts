import { describe, expect, it } from 'vitest';
import { InMemoryXenstoreState } from './in-memory-state.js';
import { XenstoreLogic } from './logic.js';
import { XsMessageType } from './message-type.js';
import type { XenstoreQuotas } from './quotas.js';
import { failed, LogicHarness, ok } from './testing/logic-harness.js';

/** Domain 5 plays the builder, holding xenstore.write:/local/domain; domain 7 is a guest. */
const BUILDER = 5;
const GUEST = 7;
const DELEGATIONS = [{ domid: BUILDER, paths: ['/local/domain'] }];

async function hostWithBuilder(quotas: Partial<XenstoreQuotas> = {}) {
  const harness = await LogicHarness.open({ delegations: DELEGATIONS, quotas });
  return { harness, dom0: harness.client(0), builder: harness.client(BUILDER), guest: harness.client(GUEST) };
}

describe('a domain holding xenstore.write:/local/domain', () => {
  it('finds the delegated path there from the start, owned by dom0', async () => {
    const { dom0, builder } = await hostWithBuilder();
    expect(await dom0.getPerms('/local/domain')).toEqual(['n0']);
    expect(await dom0.getPerms('/local')).toEqual(['n0']);
    expect(await builder.directory('/local/domain')).toEqual([]);
  });

  it("writes a guest's entries below it and gives them to the guest with SET_PERMS", async () => {
    const { dom0, builder, guest } = await hostWithBuilder();
    expect(await builder.write(`/local/domain/${GUEST}/name`, 'web')).toEqual(ok());
    expect(await dom0.getPerms(`/local/domain/${GUEST}/name`)).toEqual(['n0']);
    expect(await builder.setPerms(`/local/domain/${GUEST}`, [`n${GUEST}`, `r${BUILDER}`])).toEqual(ok());
    expect(await builder.setPerms(`/local/domain/${GUEST}/name`, [`n${GUEST}`])).toEqual(ok());
    expect(await dom0.getPerms(`/local/domain/${GUEST}`)).toEqual([`n${GUEST}`, `r${BUILDER}`]);
    expect(await guest.read('name')).toEqual(ok('web'));
    expect(await guest.write('data', 'mine')).toEqual(ok());
    // Nodes created below a guest's node inherit the guest's permissions, as dom0's do.
    expect(await builder.write(`/local/domain/${GUEST}/device/vbd/51712/state`, '1')).toEqual(ok());
    expect(await dom0.getPerms(`/local/domain/${GUEST}/device/vbd/51712/state`)).toEqual([`n${GUEST}`, `r${BUILDER}`]);
  });

  it('reads, lists and removes nodes another domain owns below it', async () => {
    const { dom0, builder } = await hostWithBuilder();
    await dom0.write(`/local/domain/${GUEST}/secret`, 's');
    await dom0.setPerms(`/local/domain/${GUEST}/secret`, [`n${GUEST}`]);
    await dom0.setPerms(`/local/domain/${GUEST}`, [`n${GUEST}`]);
    expect(await builder.read(`/local/domain/${GUEST}/secret`)).toEqual(ok('s'));
    expect(await builder.directory(`/local/domain/${GUEST}`)).toEqual(['secret']);
    expect(await builder.getPerms(`/local/domain/${GUEST}/secret`)).toEqual([`n${GUEST}`]);
    expect(await builder.read(`/local/domain/${GUEST}/missing`)).toEqual(failed('ENOENT'));
    expect(await builder.rm(`/local/domain/${GUEST}`)).toEqual(ok());
    expect(await dom0.directory('/local/domain')).toEqual([]);
  });

  it('is an ordinary domain outside it: EACCES, and no owner changes (EPERM)', async () => {
    const { dom0, builder } = await hostWithBuilder();
    await dom0.write('/tool/secret', 's');
    expect(await builder.write('/elsewhere', 'x')).toEqual(failed('EACCES'));
    expect(await builder.write('/local/other', 'x')).toEqual(failed('EACCES'));
    expect(await builder.read('/tool/secret')).toEqual(failed('EACCES'));
    expect(await builder.setPerms('/tool/secret', [`n${BUILDER}`])).toEqual(failed('EACCES'));
    expect(await builder.rm('/local')).toEqual(failed('EACCES'));
    await dom0.write('/shared/x', '');
    await dom0.setPerms('/shared', [`n${BUILDER}`]);
    expect(await builder.write('/shared/mine', 'v')).toEqual(ok());
    expect(await builder.setPerms('/shared/mine', [`n${GUEST}`])).toEqual(failed('EPERM'));
  });

  it('does not reach a sibling whose name merely starts the same (/local/domainX)', async () => {
    const { dom0, builder } = await hostWithBuilder();
    await dom0.write('/local/domainX/node', 'x');
    expect(await builder.read('/local/domainX/node')).toEqual(failed('EACCES'));
    expect(await builder.write('/local/domainX/node', 'y')).toEqual(failed('EACCES'));
    expect(await builder.write('/local/domainX/new', 'y')).toEqual(failed('EACCES'));
    expect(await builder.write('/local/domainY', 'y')).toEqual(failed('EACCES'));
    expect(await builder.setPerms('/local/domainX/node', [`n${BUILDER}`])).toEqual(failed('EACCES'));
  });

  it('builds a guest in a transaction, refused outside it within the same transaction', async () => {
    const { dom0, builder } = await hostWithBuilder();
    const tx = await builder.startTransaction();
    expect(await builder.mkdir(`/local/domain/${GUEST}`, tx)).toEqual(ok());
    expect(await builder.setPerms(`/local/domain/${GUEST}`, [`n${GUEST}`], tx)).toEqual(ok());
    expect(await builder.write(`/local/domain/${GUEST}/name`, 'web', tx)).toEqual(ok());
    expect(await builder.write(`/local/domain/0/backend/vbd/${GUEST}/51712/frontend-id`, `${GUEST}`, tx)).toEqual(ok());
    expect(await builder.write('/vm/web', 'x', tx)).toEqual(failed('EACCES'));
    expect(await dom0.read(`/local/domain/${GUEST}/name`)).toEqual(failed('ENOENT'));
    expect(await builder.endTransaction(tx, true)).toEqual(ok());
    expect(await dom0.read(`/local/domain/${GUEST}/name`)).toEqual(ok('web'));
    expect(await dom0.getPerms(`/local/domain/${GUEST}/name`)).toEqual([`n${GUEST}`]);
    expect(await dom0.read(`/local/domain/0/backend/vbd/${GUEST}/51712/frontend-id`)).toEqual(ok(`${GUEST}`));
    expect(await dom0.read('/vm/web')).toEqual(failed('ENOENT'));
  });

  it("counts what it creates against the nodes' owner, unbounded as dom0 is below it, bounded as ever elsewhere", async () => {
    const { dom0, builder, guest } = await hostWithBuilder({ nodes: 2, valueSize: 4 });
    await dom0.mkdir(`/local/domain/${GUEST}`);
    await dom0.setPerms(`/local/domain/${GUEST}`, [`n${GUEST}`]);
    for (const name of ['a', 'b', 'c']) expect(await builder.write(`/local/domain/${GUEST}/${name}`, 'longer than four')).toEqual(ok());
    expect(await guest.write('d', '')).toEqual(failed('ENOSPC'));
    await dom0.mkdir('/shared');
    await dom0.setPerms('/shared', ['n0', `w${BUILDER}`]);
    expect(await builder.write('/shared/long', 'longer than four')).toEqual(failed('ENOSPC'));
    expect(await builder.write('/shared/x/y', '')).toEqual(ok());
    expect(await builder.write('/shared/z', '')).toEqual(failed('ENOSPC'));
  });

  it('keeps the operations that are not about a node for dom0, and hears of @introduceDomain only as its permissions say', async () => {
    const { dom0, builder } = await hostWithBuilder();
    for (const [type, args] of [
      [XsMessageType.introduce, [`${GUEST}`, '1', '3']],
      [XsMessageType.release, [`${GUEST}`]],
      [XsMessageType.resume, [`${GUEST}`]],
      [XsMessageType.setTarget, [`${GUEST}`, '0']],
      [XsMessageType.isDomainIntroduced, [`${GUEST}`]],
    ] as const) {
      expect(await builder.call(type, args)).toEqual(failed('EACCES'));
    }
    expect(await builder.setPerms('@introduceDomain', [`n${BUILDER}`])).toEqual(failed('EACCES'));
    expect(await builder.watch('@introduceDomain', 'intro')).toEqual(ok());
    expect(await builder.watch('/local/domain', 'guests')).toEqual(ok());
    builder.takeEvents();
    await dom0.call(XsMessageType.introduce, [`${GUEST}`, '1', '3']);
    await dom0.write(`/local/domain/${GUEST}/name`, 'web');
    await dom0.setPerms(`/local/domain/${GUEST}/name`, [`n${GUEST}`]);
    expect(builder.takeEvents()).toEqual([
      { path: `/local/domain/${GUEST}/name`, token: 'guests' },
      { path: `/local/domain/${GUEST}/name`, token: 'guests' },
    ]);
  });

  it('keeps its rights in a session taken over by a new Logic instance', async () => {
    const state = new InMemoryXenstoreState();
    const request = (reqId: number, path: string) => ({ type: XsMessageType.write, reqId, txId: 0, payload: Buffer.from(`${path}\0v`, 'latin1') });
    const before = await XenstoreLogic.open({ state, delegations: DELEGATIONS });
    await before.handle(before.session(`${BUILDER}.s`, BUILDER), request(1, '/local/domain/1/a'), { seq: 1, acked: 0 });
    const after = await XenstoreLogic.open({ state, delegations: DELEGATIONS });
    const { reply } = await after.handle(after.session(`${BUILDER}.s`, BUILDER), request(2, '/local/domain/1/b'), { seq: 2, acked: 1 });
    expect(Buffer.from(reply.payload).toString('latin1')).toBe('OK\0');
  });
});
