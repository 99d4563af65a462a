import { describe, expect, it } from 'vitest';
import { decodeBlockReply, decodeBlockRequest, encodeBlockReply, encodeBlockRequest } from './block-wire.js';
import type { BlockReply, BlockRequest } from './block-wire.js';
import { BlockErrorCode } from './errors.js';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('block wire format', () => {
  it.each<BlockRequest>([
    { id: 'r1', op: 'read', offset: 512, length: 1024 },
    { id: 'w1', op: 'write', offset: 0, data: new Uint8Array([1, 2, 3]) },
    { id: 'f1', op: 'flush' },
    { id: 'd1', op: 'discard', offset: 4096, length: 512 },
  ])('carries a $op request', (request) => {
    expect(decodeBlockRequest(encodeBlockRequest(request))).toEqual(request);
  });

  it('writes data as base64 and the version as v', () => {
    expect(JSON.parse(Buffer.from(encodeBlockRequest({ id: 'w', op: 'write', offset: 0, data: new Uint8Array([255, 0]) })).toString())).toEqual({ v: 1, id: 'w', op: 'write', offset: 0, data: '/wA=' });
  });

  it.each<BlockReply>([
    { id: 'r1', ok: true, data: new Uint8Array([9, 8]) },
    { id: 'w1', ok: true },
    { id: 'x', ok: false, error: { code: BlockErrorCode.ringFull, message: 'full', hint: 'wait' } },
  ])('carries a reply', (reply) => {
    expect(decodeBlockReply(encodeBlockReply(reply))).toEqual(reply);
  });

  it.each([
    ['not JSON', Buffer.from('{'), 'not JSON'],
    ['another version', json({ v: 2, id: 'a', op: 'flush' }), 'version 2, expected 1'],
    ['no id', json({ v: 1, op: 'flush' }), '"id"'],
    ['an unknown op', json({ v: 1, id: 'a', op: 'trim' }), 'unknown op "trim"'],
    ['a negative offset', json({ v: 1, id: 'a', op: 'read', offset: -512, length: 512 }), '"offset"'],
    ['data that is not base64', json({ v: 1, id: 'a', op: 'write', offset: 0, data: '%%' }), '"data" must be base64'],
  ])('refuses a request with %s', (_, bytes, message) => {
    expect(() => decodeBlockRequest(bytes)).toThrow(expect.objectContaining({ code: BlockErrorCode.malformed, message: expect.stringContaining(message) }));
  });

  it('refuses a reply that is neither ok nor a failure with code and message', () => {
    expect(() => decodeBlockReply(json({ v: 1, id: 'a', ok: false }))).toThrow(expect.objectContaining({ code: BlockErrorCode.malformed }));
  });
});
