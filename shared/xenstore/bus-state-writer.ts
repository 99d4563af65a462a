import type { NatsConnection } from '@nats-io/transport-node';
import { request } from '../bus/rpc.js';
import { subjects } from '../bus/subjects.js';
import type { StateWriter } from './replicated-state.js';
import { decodeImage, encodeCommit } from './state-codec.js';
import type { WireCommit, WireImage } from './state-codec.js';
import type { BatchOutcome, WriterPosition } from './state-log.js';

/** The requests XenStore-State answers (`xoar.<host>.rpc.<state id>.<op>`). */
export const XenstoreStateOp = {
  takeOver: 'xs.takeover',
  append: 'xs.append',
} as const;

export interface AppendRequest {
  epoch: number;
  batch: number;
  commits: WireCommit[];
}

/** Loading the image can take a while for a large tree. */
const TAKE_OVER_TIMEOUT_MS = 30_000;
/**
 * An append lost in transit (the broker drops messages while it reloads its permissions) is
 * sent again after this long; a repeated batch is applied once.
 */
const APPEND_TIMEOUT_MS = 1_000;

/** XenStore-State as a StateWriter, reached over the bus from XenStore-Logic. */
export function busStateWriter(nc: NatsConnection, host: string, stateService: string): StateWriter {
  return {
    async takeOver() {
      const { image, ...position } = await request<WriterPosition & { image: WireImage }>(nc, subjects.rpc(host, stateService, XenstoreStateOp.takeOver), null, TAKE_OVER_TIMEOUT_MS);
      return { ...position, image: decodeImage(image) };
    },
    append(epoch, batch, commits) {
      const body: AppendRequest = { epoch, batch, commits: commits.map(encodeCommit) };
      return request<BatchOutcome>(nc, subjects.rpc(host, stateService, XenstoreStateOp.append), body, APPEND_TIMEOUT_MS);
    },
  };
}
