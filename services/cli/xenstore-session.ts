import type { XsMessage } from '../../shared/xenstore/wire.js';
import { connectSocketChannel } from '../../shared/xenstore/socket-channel.js';
import { XenstoreClient } from '../../shared/xenstore/xenstore-client.js';
import { hostPaths } from '../supervisor/state-dir.js';
import { findHost } from './find-host.js';
import type { GlobalOptions } from './global-options.js';

/** Talks to the running host's XenStore as the operator's tools do: on its unix socket, as dom0. */
export async function withXenstore<T>(options: GlobalOptions, body: (client: XenstoreClient) => Promise<T>, onEvent?: (event: XsMessage) => void): Promise<T> {
  const runtime = findHost(options.stateDir, options.host);
  const client = new XenstoreClient(await connectSocketChannel(hostPaths(options.stateDir, runtime.host).xenstoreSocket, onEvent));
  try {
    return await body(client);
  } finally {
    await client.close();
  }
}
