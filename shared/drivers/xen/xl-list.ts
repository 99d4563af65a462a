import { XlListUnreadableError } from './errors.js';

/** Why a domain shut down, as Xen reports it (libxl_shutdown_reason; `xl list` shows it as a letter). */
export const ShutdownReason = {
  poweroff: 'poweroff',
  reboot: 'reboot',
  suspend: 'suspend',
  crash: 'crash',
  watchdog: 'watchdog',
  softReset: 'soft_reset',
  unknown: 'unknown',
} as const;
export type ShutdownReason = (typeof ShutdownReason)[keyof typeof ShutdownReason];

export interface DomainState {
  name: string;
  domid: number;
  /** Why it shut down; null while it has not; undefined where the listing does not say (`xl list -l`). */
  shutdown?: ShutdownReason | null;
}

/** The fifth state letter of `xl list` (tools/xl/xl_info.c: "-rscwS", poweroff shown as `-`). */
const REASON_LETTERS: Readonly<Record<string, ShutdownReason>> = {
  '-': ShutdownReason.poweroff,
  r: ShutdownReason.reboot,
  s: ShutdownReason.suspend,
  c: ShutdownReason.crash,
  w: ShutdownReason.watchdog,
  S: ShutdownReason.softReset,
};

/** `<name> <id> <mem> <vcpus> <state> <time>`, then more columns with -v; a name may hold spaces. */
const TEXT_ROW = /^(.+?)\s+(\d+)\s+\d+\s+\d+\s+([-rbpscwSd?]{6})\s+[\d.]+/;

/**
 * The domains in `xl list` (a text table, the only listing that shows shutdown state) or in
 * `xl list -l` (JSON: each domain's domid and libxl configuration; a domain whose configuration
 * libxl cannot retrieve is left out, and nameless entries are skipped here).
 */
export function parseXlList(output: string): DomainState[] {
  return output.trimStart().startsWith('[') ? parseJson(output) : parseText(output);
}

function parseText(output: string): DomainState[] {
  const [header, ...rows] = output.split('\n').filter((line) => line.trim() !== '');
  if (header === undefined) return [];
  if (!/^Name\s+ID\s+Mem\s+VCPUs\s+State/.test(header)) throw new XlListUnreadableError(`the header is "${header.trim()}"`);
  return rows.map((row) => {
    const match = TEXT_ROW.exec(row);
    if (match === null) throw new XlListUnreadableError(`the row "${row.trim()}" is not <name> <id> <mem> <vcpus> <state> <time>`);
    const [, name, domid, state] = match as unknown as [string, string, string, string];
    const shutDown = state[3] === 's';
    return { name, domid: Number(domid), shutdown: shutDown ? (REASON_LETTERS[state[4]!] ?? ShutdownReason.unknown) : null };
  });
}

function parseJson(output: string): DomainState[] {
  let entries: unknown;
  try {
    entries = JSON.parse(output);
  } catch (error) {
    throw new XlListUnreadableError(`not JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(entries)) throw new XlListUnreadableError('the JSON is not a list of domains');
  return entries.flatMap((entry: unknown, index) => {
    const { domid, config } = (entry ?? {}) as { domid?: unknown; config?: { c_info?: { name?: unknown } } };
    if (!Number.isSafeInteger(domid)) throw new XlListUnreadableError(`entry ${index} has no domid`);
    const name = config?.c_info?.name;
    return typeof name === 'string' ? [{ name, domid: domid as number }] : [];
  });
}
