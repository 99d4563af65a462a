import type { HostStatus, ServiceStatus } from '../supervisor/host-status.js';
import { renderTable } from './render-table.js';

const COLUMNS: Array<{ title: string; cell: (service: ServiceStatus) => string }> = [
  { title: 'SERVICE', cell: (s) => s.id },
  { title: 'ROLE', cell: (s) => s.role },
  { title: 'STATE', cell: (s) => s.state },
  { title: 'PID', cell: (s) => (s.pid === null ? '-' : String(s.pid)) },
  { title: 'INST', cell: (s) => String(s.instance) },
  { title: 'RESTARTS', cell: (s) => String(s.restarts) },
  { title: 'UPTIME', cell: (s) => (s.uptimeMs === null ? '-' : formatDuration(s.uptimeMs)) },
  { title: 'STANDBY', cell: (s) => (s.standbys === null ? '-' : String(s.standbys)) },
  { title: 'LAST ROLLBACK', cell: (s) => (s.lastRollback ? `${s.lastRollback.cause} ${formatRollbackDuration(s.lastRollback.durationMs)}, ${ago(s.lastRollback.at)}` : '-') },
];

/** The host and one row per service VM, as `host status` and the live view of `host up` show them. */
export function renderStatus(status: HostStatus): string {
  const header = `host ${status.host}: ${status.state} · driver ${status.driver} (sandbox ${status.sandbox}) · broker ${status.natsUrl} · violations ${status.violations}`;
  const failures = status.services.filter((service) => service.failure).map((service) => `  ${service.id} failed: ${service.failure}`);
  const xenstore = status.xenstore === null ? [] : [`XenStore socket: ${status.xenstore.socket} (XENSTORED_PATH for xenstore-utils)`];
  return [header, ...xenstore, '', renderTable(COLUMNS, status.services), ...(failures.length ? ['', ...failures] : [])].join('\n');
}

export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return minutes < 60 ? `${minutes} m ${Math.floor((ms % 60_000) / 1_000)} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} m`;
}

/** Make-before-break rollbacks take well under a millisecond of the clock's resolution: show it. */
function formatRollbackDuration(ms: number): string {
  return ms < 1 ? '<1 ms' : formatDuration(ms);
}

function ago(iso: string): string {
  return `${formatDuration(Math.max(0, Date.now() - Date.parse(iso)))} ago`;
}
