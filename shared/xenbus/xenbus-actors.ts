/** The XenStore I/O both ends of a device do, as actors for their machines. */
import { fromCallback, fromPromise, type EventObject } from 'xstate';
import { XenstoreRequestError } from '../xenstore/xenstore-client.js';
import { DeviceNode, xenbusPaths } from './device-paths.js';
import { readIfPresent, readNodes } from './read-nodes.js';
import type { XenbusConnection } from './xenbus-connection.js';
import { formatXenbusState, parseXenbusState, XenbusState } from './xenbus-state.js';

/** The other end's state changed (Unknown when its node, or its whole directory, is gone). */
export interface PeerStateEvent {
  type: 'peer.state';
  state: XenbusState;
}

export interface WatchPeerInput {
  xenbus: XenbusConnection;
  /** The other end's directory. */
  dir: string;
}

/** Sends `peer.state` on every change of the other end's state node, in order, the first at once. */
export const watchPeerState = fromCallback<EventObject, WatchPeerInput>(({ input, sendBack }) => {
  const path = xenbusPaths.node(input.dir, DeviceNode.state);
  let stopped = false;
  let stopListening = () => {};
  let reads = Promise.resolve();
  const onChange = () => {
    reads = reads
      .then(() => readIfPresent(input.xenbus.client, path))
      .then(
        (text) => {
          if (!stopped) sendBack({ type: 'peer.state', state: parseXenbusState(text) } satisfies PeerStateEvent);
        },
        // Refused (EACCES: the directory is gone and its parent is not ours to read): gone too.
        () => {
          if (!stopped) sendBack({ type: 'peer.state', state: XenbusState.Unknown } satisfies PeerStateEvent);
        },
      );
  };
  input.xenbus.watch(path, onChange).then(
    (stop) => {
      if (stopped) stop();
      else stopListening = stop;
    },
    // Only a dead connection refuses a watch: the other end cannot be seen, as if gone.
    () => {
      if (!stopped) sendBack({ type: 'peer.state', state: XenbusState.Unknown } satisfies PeerStateEvent);
    },
  );
  return () => {
    stopped = true;
    stopListening();
  };
});

export interface WriteStateInput {
  xenbus: XenbusConnection;
  /** This end's directory. */
  dir: string;
  state: XenbusState;
  /** Written before the state, so the other end finds them when it sees the state. */
  nodes?: Readonly<Record<string, string>>;
}

/**
 * Writes this end's nodes, then its state. A directory removed meanwhile (EACCES, ENOENT) is not an
 * error: the other end sees this end gone, and the machine is told (`remove`) or finds out. Any
 * other failure (EIO: XenStore unreachable) fails the machine.
 */
export const writeState = fromPromise<void, WriteStateInput>(async ({ input }) => {
  const { client } = input.xenbus;
  try {
    for (const [node, value] of Object.entries(input.nodes ?? {})) await client.write(`${input.dir}/${node}`, value);
    await client.write(xenbusPaths.node(input.dir, DeviceNode.state), formatXenbusState(input.state));
  } catch (error) {
    if (!(error instanceof XenstoreRequestError && (error.errno === 'EACCES' || error.errno === 'ENOENT'))) throw error;
  }
});

export interface ReadDirectoryInput {
  xenbus: XenbusConnection;
  dir: string;
}

export const readDirectory = fromPromise<Record<string, string>, ReadDirectoryInput>(({ input }) => readNodes(input.xenbus.client, input.dir));
