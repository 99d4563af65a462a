import { describe, expect, it } from 'vitest';
import type { Principal } from './authorization.js';
import { NOBODY_NKEY, hostPort, renderAuthorization, renderServerConfig } from './render-config.js';

const principal = (overrides: Partial<Principal['permissions']> = {}): Principal => ({
  name: 'blk-shared',
  nkey: 'UAAAA',
  permissions: { publish: { allow: ['xoar.h.svc.blk-shared.status'] }, subscribe: { allow: ['_INBOX.blk-shared.>'] }, ...overrides },
});

const render = (principals: Principal[]) =>
  renderServerConfig({ host: '127.0.0.1', port: 4999, storeDir: '/var/lib/xoar/jetstream', authorization: { principals } });

describe('renderServerConfig', () => {
  it('renders listen, server_name, jetstream and one user per principal', () => {
    const config = render([principal({ allowResponses: true })]);
    expect(config).toContain('server_name: "xoar"');
    expect(config).toContain('listen: "127.0.0.1:4999"');
    expect(config).toContain('store_dir: "/var/lib/xoar/jetstream"');
    expect(config).toContain('nkey: "UAAAA"');
    expect(config).toContain('publish: { allow: ["xoar.h.svc.blk-shared.status"] }');
    expect(config).toContain('subscribe: { allow: ["_INBOX.blk-shared.>"] }');
    expect(config).toContain('allow_responses: true');
  });

  it('opens no port but the client port', () => {
    expect(render([principal()])).not.toMatch(/http|monitor|cluster|gateway|leafnode|websocket|mqtt/);
  });

  it('renders deny lists only when they are not empty', () => {
    expect(render([principal({ publish: { allow: ['a.>'], deny: [] } })])).toContain('publish: { allow: ["a.>"] }');
    expect(render([principal({ publish: { allow: ['a.>'], deny: ['a.b'] } })])).toContain('publish: { allow: ["a.>"], deny: ["a.b"] }');
  });

  it('renders an empty allow-list as deny-everything, because nats reads `allow: []` as allow-all', () => {
    const config = render([principal({ publish: { allow: [] }, allowResponses: true })]);
    expect(config).toContain('publish: { deny: [">"] }');
    expect(config).not.toContain('allow: []');
  });

  it('omits allow_responses unless it is granted', () => {
    expect(render([principal()])).not.toContain('allow_responses');
  });

  it('quotes subjects, so `$` and quotes stay literal', () => {
    const config = render([principal({ publish: { allow: ['$JS.API.>', 'a"b'] } })]);
    expect(config).toContain('allow: ["$JS.API.>", "a\\"b"]');
  });

  it('keeps a principal name inside its comment', () => {
    const config = render([{ ...principal(), name: 'x\nlisten: "0.0.0.0:1"' }]);
    expect(config).not.toMatch(/^listen: "0\.0\.0\.0:1"/m);
  });

  it('brackets IPv6 hosts', () => {
    expect(hostPort('::1', 4222)).toBe('[::1]:4222');
    expect(hostPort('127.0.0.1', 4222)).toBe('127.0.0.1:4222');
  });
});

describe('renderAuthorization', () => {
  it('renders the authorization block alone, exactly as the server config embeds it', () => {
    const authorization = { principals: [principal({ allowResponses: true })] };
    const block = renderAuthorization(authorization);
    expect(block).toMatch(/^authorization \{\n {2}timeout: 15\n {2}users: \[\n/);
    expect(block).toMatch(/\n {2}\]\n\}$/);
    expect(block).toContain('nkey: "UAAAA"');
    expect(block).not.toMatch(/listen|server_name|jetstream/);
    expect(render(authorization.principals)).toContain(`\n${block}\n`);
  });

  it('keeps authentication required when no principal is granted, since nats reads `users: []` as no auth', () => {
    const block = renderAuthorization({ principals: [] });
    expect(block).toContain(`nkey: "${NOBODY_NKEY}"`);
    expect(block).toContain('publish: { deny: [">"] }');
    expect(block).toContain('subscribe: { deny: [">"] }');
  });
});
