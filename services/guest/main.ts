import { connectAs } from '../../shared/bus/connect.js';
import { describeError } from '../../shared/errors/xoar-error.js';
import { GUEST_ROLE, parseGuestConfig } from '../../shared/guest/guest-config.js';
import { createLogger } from '../../shared/log/logger.js';
import { readBootstrap } from '../../shared/service/read-bootstrap.js';
import { XenbusConnection } from '../../shared/xenbus/xenbus-connection.js';
import { busChannels } from '../../shared/xenstore/bus-client.js';
import { startGuest } from './guest.js';

/**
 * A guest on the process driver: its spec and its own nkey seed on stdin, then the bus as itself
 * and XenStore as its domain. It runs until destroyed; losing the bus ends it (the supervisor sees
 * the exit as a crash).
 */
const log = createLogger(process.stderr, { role: GUEST_ROLE });
try {
  const { seed, ...spec } = await readBootstrap(process.stdin);
  const config = parseGuestConfig(spec.config);
  const guestLog = log.child({ guest: spec.id, domid: config.domid });
  const nc = await connectAs({ url: spec.natsUrl, principal: spec.id, seed, name: `${spec.id}#${spec.instance}` });
  void nc.closed().then((error) => {
    guestLog.error('lost the bus', { error: error ? describeError(error) : 'closed' });
    process.exit(2);
  });
  await startGuest({ nc, spec, config, log: guestLog, openXenbus: () => XenbusConnection.open(busChannels({ nc, host: spec.host, domid: config.domid })) });
} catch (error) {
  log.error('guest failed', { error: describeError(error) });
  process.exit(1);
}
