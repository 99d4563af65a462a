/**
 * Block requests and replies between a front-end and its backend, one JSON object a message
 * (UTF-8), data as base64:
 *
 *   request  { "v": 1, "id": "<1-64 chars>", "op": "read",    "offset": n, "length": n }
 *            { "v": 1, "id": "…",            "op": "write",   "offset": n, "data": "<base64>" }
 *            { "v": 1, "id": "…",            "op": "flush" }
 *            { "v": 1, "id": "…",            "op": "discard", "offset": n, "length": n }
 *   reply    { "v": 1, "id": "…", "ok": true [, "data": "<base64>" (read only)] }
 *            { "v": 1, "id": "…", "ok": false, "error": { "code", "message", "hint"? } }
 *
 * Offsets and lengths are bytes, multiples of 512; a request moves at most MAX_REQUEST_BYTES.
 * The id names the request for the front-end's life: a request sent again after a backend
 * rollback keeps its id. Replaying any request is safe (a write writes the same bytes again).
 */
import type { XoarError } from '../../errors/xoar-error.js';
import { BlockMessageMalformedError } from './errors.js';

export const BLOCK_WIRE_VERSION = 1;

/** 256 KiB: base64 makes a full write about 350 kB, well inside NATS's default 1 MB payload. */
export const MAX_REQUEST_BYTES = 256 * 1024;

export const BlockOperation = {
  read: 'read',
  write: 'write',
  flush: 'flush',
  discard: 'discard',
} as const;
export type BlockOperation = (typeof BlockOperation)[keyof typeof BlockOperation];

export type BlockRequest =
  | { id: string; op: typeof BlockOperation.read; offset: number; length: number }
  | { id: string; op: typeof BlockOperation.write; offset: number; data: Uint8Array }
  | { id: string; op: typeof BlockOperation.flush }
  | { id: string; op: typeof BlockOperation.discard; offset: number; length: number };

export interface BlockFailure {
  code: string;
  message: string;
  hint?: string;
}

export type BlockReply = { id: string; ok: true; data?: Uint8Array } | { id: string; ok: false; error: BlockFailure };

export function encodeBlockRequest(request: BlockRequest): Uint8Array {
  const wire = request.op === BlockOperation.write ? { ...request, data: Buffer.from(request.data).toString('base64') } : request;
  return encodeJson({ v: BLOCK_WIRE_VERSION, ...wire });
}

/** Throws BlockMessageMalformedError for anything but a valid request of this version. */
export function decodeBlockRequest(bytes: Uint8Array): BlockRequest {
  const message = decodeJson(bytes);
  const id = requestId(message);
  switch (message.op) {
    case BlockOperation.read:
    case BlockOperation.discard:
      return { id, op: message.op, offset: whole(message, 'offset'), length: whole(message, 'length') };
    case BlockOperation.write:
      return { id, op: message.op, offset: whole(message, 'offset'), data: base64(message, 'data') };
    case BlockOperation.flush:
      return { id, op: message.op };
    default:
      throw new BlockMessageMalformedError(`unknown op ${JSON.stringify(message.op)}`);
  }
}

export function blockFailure(id: string, error: XoarError): BlockReply {
  return { id, ok: false, error: error.toJSON() };
}

export function encodeBlockReply(reply: BlockReply): Uint8Array {
  if (!reply.ok) return encodeJson({ v: BLOCK_WIRE_VERSION, ...reply });
  return encodeJson({ v: BLOCK_WIRE_VERSION, id: reply.id, ok: true, ...(reply.data === undefined ? {} : { data: Buffer.from(reply.data).toString('base64') }) });
}

/** Throws BlockMessageMalformedError for anything but a valid reply of this version. */
export function decodeBlockReply(bytes: Uint8Array): BlockReply {
  const message = decodeJson(bytes);
  const id = requestId(message);
  if (message.ok === true) return message.data === undefined ? { id, ok: true } : { id, ok: true, data: base64(message, 'data') };
  const error = message.error as Record<string, unknown> | undefined;
  if (message.ok !== false || typeof error?.code !== 'string' || typeof error.message !== 'string') throw new BlockMessageMalformedError('a reply needs "ok" and, when it failed, "error" with code and message');
  return { id, ok: false, error: { code: error.code, message: error.message, ...(typeof error.hint === 'string' ? { hint: error.hint } : {}) } };
}

function encodeJson(message: object): Uint8Array {
  return Buffer.from(JSON.stringify(message), 'utf8');
}

function decodeJson(bytes: Uint8Array): Record<string, unknown> {
  let message: unknown;
  try {
    message = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new BlockMessageMalformedError('not JSON');
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) throw new BlockMessageMalformedError('not a JSON object');
  const { v } = message as { v?: unknown };
  if (v !== BLOCK_WIRE_VERSION) throw new BlockMessageMalformedError(`version ${JSON.stringify(v)}, expected ${BLOCK_WIRE_VERSION}`);
  return message as Record<string, unknown>;
}

function requestId(message: Record<string, unknown>): string {
  const { id } = message;
  if (typeof id !== 'string' || id.length < 1 || id.length > 64) throw new BlockMessageMalformedError('"id" must be a string of 1 to 64 characters');
  return id;
}

function whole(message: Record<string, unknown>, field: string): number {
  const value = message[field];
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw new BlockMessageMalformedError(`"${field}" must be a whole number of bytes`);
  return value as number;
}

function base64(message: Record<string, unknown>, field: string): Uint8Array {
  const value = message[field];
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw new BlockMessageMalformedError(`"${field}" must be base64`);
  return new Uint8Array(Buffer.from(value, 'base64'));
}
