import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where a host keeps what outlives one run: its runtime descriptor, the operator's
 * credentials, the broker's config and JetStream store (the audit log), and the logs.
 *   <root>/<host>/host.json  operator.seed  broker/  logs/  snapshots/
 */
export function defaultStateRoot(): string {
  const env = process.env['XOAR_STATE_DIR'];
  if (env) return env;
  const xdg = process.env['XDG_STATE_HOME'];
  return join(xdg && xdg.length > 0 ? xdg : join(homedir(), '.local', 'state'), 'xoar');
}

export interface HostPaths {
  dir: string;
  runtimeFile: string;
  operatorSeed: string;
  /** The auditor's nkey seed (0600): read-only access to the audit stream, for `xoar audit`. */
  auditorSeed: string;
  brokerDir: string;
  logDir: string;
  supervisorLog: string;
  /** Durable state of service VMs (XenStore-State's tree), one directory per service; emptied at boot. */
  serviceStateRoot: string;
  /** The XenStore unix socket, for xenstore-utils and other dom0 tools (XENSTORED_PATH). */
  xenstoreSocket: string;
  /** The service VMs' snapshots, one JSON file each (the last taken). */
  snapshotDir: string;
  /** The xen driver's templates, domain configs and service VM disks (dom0 only). */
  xenDir: string;
}

export function hostPaths(stateRoot: string, host: string): HostPaths {
  const dir = join(stateRoot, host);
  return {
    dir,
    runtimeFile: join(dir, 'host.json'),
    operatorSeed: join(dir, 'operator.seed'),
    auditorSeed: join(dir, 'auditor.seed'),
    brokerDir: join(dir, 'broker'),
    logDir: join(dir, 'logs'),
    supervisorLog: join(dir, 'logs', 'supervisor.log'),
    serviceStateRoot: join(dir, 'services'),
    xenstoreSocket: join(dir, 'xenstored', 'socket'),
    snapshotDir: join(dir, 'snapshots'),
    xenDir: join(dir, 'xen'),
  };
}
