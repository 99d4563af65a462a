import type { StateImage } from './in-memory-state.js';
import type { XsPermission } from './permissions.js';
import type { SessionRecord, SessionUpdate, StoredSession } from './session.js';
import type { NodeContent, StateCommit, StoredNode } from './state.js';

/**
 * JSON forms of what XenStore-Logic and XenStore-State exchange and what the state log keeps:
 * byte strings (values, reply frames) as base64, maps as entry lists.
 */
interface WireNode {
  value: string;
  perms: XsPermission[];
  children: string[];
  generation?: number;
}

interface WireSessionUpdate {
  id: string;
  record?: SessionRecord | null;
  reply?: { seq: number; frame: string };
  acked?: number;
}

export interface WireCommit {
  expect: StateCommit['expect'][number][];
  changes: Array<{ path: string; content: WireNode | null }>;
  domains: StateCommit['domains'][number][];
  sessions?: WireSessionUpdate[];
}

export interface WireImage {
  generation: number;
  nodes: Array<[string, WireNode]>;
  introduced: number[];
  sessions: Array<[string, SessionRecord & { replies: Array<[number, string]> }]>;
}

const bytes = (text: string): Uint8Array => Buffer.from(text, 'base64');
const base64 = (data: Uint8Array): string => Buffer.from(data).toString('base64');

function toWireNode(node: NodeContent | StoredNode): WireNode {
  const wire: WireNode = { value: base64(node.value), perms: [...node.perms], children: [...node.children] };
  if ('generation' in node) wire.generation = node.generation;
  return wire;
}

function fromWireContent(node: WireNode): NodeContent {
  return { value: bytes(node.value), perms: node.perms, children: node.children };
}

export function encodeCommit(commit: StateCommit): WireCommit {
  const wire: WireCommit = {
    expect: [...commit.expect],
    changes: commit.changes.map(({ path, content }) => ({ path, content: content === undefined ? null : toWireNode(content) })),
    domains: [...commit.domains],
  };
  if (commit.sessions !== undefined) {
    wire.sessions = commit.sessions.map(({ reply, ...update }) => (reply === undefined ? update : { ...update, reply: { seq: reply.seq, frame: base64(reply.frame) } }));
  }
  return wire;
}

export function decodeCommit(wire: WireCommit): StateCommit {
  const commit = {
    expect: wire.expect.map(({ path, generation }) => ({ path, generation: generation ?? undefined })),
    changes: wire.changes.map(({ path, content }) => ({ path, content: content === null ? undefined : fromWireContent(content) })),
    domains: wire.domains,
  };
  if (wire.sessions === undefined) return commit;
  const sessions: SessionUpdate[] = wire.sessions.map(({ reply, ...update }) => (reply === undefined ? update : { ...update, reply: { seq: reply.seq, frame: bytes(reply.frame) } }));
  return { ...commit, sessions };
}

export function encodeImage(image: StateImage): WireImage {
  return {
    generation: image.generation,
    nodes: image.nodes.map(([path, node]) => [path, toWireNode(node)]),
    introduced: [...image.introduced],
    sessions: image.sessions.map(([id, { replies, ...record }]) => [id, { ...record, replies: [...replies].map(([seq, frame]) => [seq, base64(frame)]) }]),
  };
}

export function decodeImage(wire: WireImage): StateImage {
  return {
    generation: wire.generation,
    nodes: wire.nodes.map(([path, node]) => [path, { ...fromWireContent(node), generation: node.generation ?? 0 }]),
    introduced: wire.introduced,
    sessions: wire.sessions.map(([id, { replies, ...record }]): [string, StoredSession] => [id, { ...record, replies: new Map(replies.map(([seq, frame]) => [seq, bytes(frame)])) }]),
  };
}
