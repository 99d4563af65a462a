import { XoarError } from '../errors/xoar-error.js';
import type { AuditIndex, DependencyInterval } from './audit-index.js';
import { DependencyVia } from './audit-record.js';
import { firstAfter, firstAtOrAfter } from './sorted-times.js';

/** "`component` was compromised from `since`: what was exposed, up to `until` (default `now`)?" */
export interface ExposureQuestion {
  component: string;
  since: Date;
  until?: Date;
  /** The present, for open windows when there is no `until`. */
  now: Date;
}

/** A stretch of time, `[from, to)`; `open` when it goes on past `to` (the horizon of the question). */
export interface ExposedInterval {
  from: string;
  to: string;
  open: boolean;
  /** How it follows from the question, one step a sentence. */
  because: string[];
}

export interface CompromisedComponent {
  component: string;
  role: string | null;
  windows: ExposedInterval[];
}

export interface GuestExposure extends ExposedInterval {
  service: string;
  via: DependencyVia;
}

export interface ExposureAnswer {
  component: string;
  since: string;
  /** The end of the question: `until`, or now. */
  horizon: string;
  /** The component asked about first, then every service that accepted a request from a compromised one while it was. */
  compromised: CompromisedComponent[];
  /** Guests by name, each with what exposed it. */
  guests: Array<{ guest: string; exposures: GuestExposure[] }>;
}

export class ExposureWindowError extends XoarError {
  constructor(since: Date, until: Date) {
    super('audit-invalid-window', `the exposure window ends (${until.toISOString()}) before it begins (${since.toISOString()})`, {
      hint: 'give --until a time after --since, or leave it out to ask up to now',
    });
  }
}

/** Roles whose state outlives a rollback (the rollback restores the snapshot, the state is handed over). */
const KEEPS_STATE_ROLE = 'xenstore-state';

interface Window {
  from: number;
  to: number;
  open: boolean;
  because: string[];
}

/**
 * Answers the auditor's question from the index. A component compromised at T stays so
 * until its next rollback (or destruction) after T, or, if it keeps state across rollbacks,
 * up to the horizon. Every service that accepted a request from it inside that window is
 * taken as compromised from that request on, by the same rule, and so on. Exposed guests:
 * those relying on a compromised service (as backend or XenStore) during its window, and
 * those a compromised builder built (for their whole life). Intervals are half-open: what
 * happens at the very instant a window ends is outside it. Pure.
 */
export function exposure(index: AuditIndex, question: ExposureQuestion): ExposureAnswer {
  const since = question.since.getTime();
  const horizon = (question.until ?? question.now).getTime();
  if (horizon < since) throw new ExposureWindowError(question.since, question.until ?? question.now);
  const windows = new Map<string, Window[]>();
  const pending = [{ component: question.component, at: since, because: [`${question.component} was compromised at ${iso(since)}`] }];
  for (let next = takeEarliest(pending); next !== undefined; next = takeEarliest(pending)) {
    const known = windows.get(next.component) ?? [];
    if (known.some((window) => covers(window, next.at))) continue;
    const window = compromiseWindow(index, next.component, next.at, horizon, next.because);
    windows.set(next.component, [...known, window]);
    pending.push(...requestsAccepted(index, next.component, window, horizon));
  }
  return {
    component: question.component,
    since: iso(since),
    horizon: iso(horizon),
    compromised: [...windows].map(([component, list]) => ({ component, role: index.services.get(component)?.role ?? null, windows: list.map(interval) })),
    guests: guestExposures(index, windows, horizon),
  };
}

function compromiseWindow(index: AuditIndex, component: string, from: number, horizon: number, because: string[]): Window {
  const facts = index.services.get(component);
  const upTo = `compromised up to ${iso(horizon)} and on`;
  const open = (why: string): Window => ({ from, to: horizon, open: true, because: [...because, why] });
  if (facts === undefined) return open(`${component} has no role on record (no host record lists it): taken to keep state across rollbacks, ${upTo}`);
  if (facts.role === KEEPS_STATE_ROLE) return open(`${component} keeps its state across rollbacks (role ${facts.role}): ${upTo}`);
  if (facts.recoveryBox.length > 0) return open(`${component} hands its recovery box (${facts.recoveryBox.join(', ')}) to each fresh instance: ${upTo}`);
  const ends = index.instanceEnds.get(component) ?? [];
  const end = ends[firstAfter(ends, from, (e) => e.at)];
  if (end === undefined || end.at > horizon) return open(`${component} was not rolled back by ${iso(horizon)}: still compromised then`);
  return { from, to: end.at, open: false, because: [...because, `${component} was ${end.how} at ${iso(end.at)}: what was planted in it is gone`] };
}

/** The first request each service accepted from `component` in its window, and again after each of that service's own windows ends. */
function requestsAccepted(index: AuditIndex, component: string, window: Window, horizon: number): Array<{ component: string; at: number; because: string[] }> {
  const series = index.requests.get(component);
  if (series === undefined) return [];
  const found: Array<{ component: string; at: number; because: string[] }> = [];
  const compromisedUntil = new Map<string, number>();
  for (let i = firstAtOrAfter(series.at, window.from, (t) => t); i < series.at.length; i++) {
    const at = series.at[i] as number;
    if (at >= window.to) break;
    const to = series.to[i] as string;
    if (at < (compromisedUntil.get(to) ?? -Infinity)) continue;
    const because = [...window.because, `${to} accepted a request from ${component} at ${iso(at)}`];
    found.push({ component: to, at, because });
    const reached = compromiseWindow(index, to, at, horizon, because);
    compromisedUntil.set(to, reached.open ? Infinity : reached.to);
  }
  return found;
}

function guestExposures(index: AuditIndex, windows: Map<string, Window[]>, horizon: number): ExposureAnswer['guests'] {
  const byGuest = new Map<string, GuestExposure[]>();
  for (const [service, list] of windows) {
    const dependencies = index.dependencies.get(service) ?? [];
    for (const window of list) {
      for (const dependency of dependencies) {
        if (dependency.from >= window.to) break;
        const exposed = dependency.via === DependencyVia.builder ? builtWhileCompromised(dependency, window, horizon) : reliedOnWhileCompromised(dependency, window, horizon);
        if (exposed !== undefined) listOf(byGuest, dependency.guest).push({ service, via: dependency.via, ...exposed });
      }
    }
  }
  return [...byGuest]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([guest, exposures]) => ({ guest, exposures: exposures.sort((a, b) => a.from.localeCompare(b.from) || a.service.localeCompare(b.service)) }));
}

function reliedOnWhileCompromised(dependency: DependencyInterval, window: Window, horizon: number): ExposedInterval | undefined {
  const ends = dependency.to ?? Infinity;
  if (ends <= window.from) return undefined;
  const to = Math.min(ends, window.to);
  const until = dependency.to === null ? 'on' : `to ${iso(dependency.to)}`;
  return {
    from: iso(Math.max(dependency.from, window.from)),
    to: iso(to),
    open: window.open && ends > horizon,
    because: [...window.because, `${dependency.guest} relied on ${dependency.service} via ${dependency.via} from ${iso(dependency.from)} ${until}`],
  };
}

function builtWhileCompromised(dependency: DependencyInterval, window: Window, horizon: number): ExposedInterval | undefined {
  if (dependency.from < window.from) return undefined;
  const ends = dependency.to ?? Infinity;
  const life = dependency.to === null ? 'its whole life, and it is still running' : `its whole life, until it was destroyed at ${iso(dependency.to)}`;
  return {
    from: iso(dependency.from),
    to: iso(Math.min(ends, horizon)),
    open: ends > horizon,
    because: [...window.because, `${dependency.guest} was built by ${dependency.service} at ${iso(dependency.from)}, while it was compromised: exposed for ${life}`],
  };
}

function covers(window: Window, at: number): boolean {
  return window.from <= at && at < window.to;
}

function takeEarliest<T extends { at: number }>(pending: T[]): T | undefined {
  if (pending.length === 0) return undefined;
  let earliest = 0;
  pending.forEach((item, i) => {
    if (item.at < (pending[earliest] as T).at) earliest = i;
  });
  return pending.splice(earliest, 1)[0];
}

function interval(window: Window): ExposedInterval {
  return { from: iso(window.from), to: iso(window.to), open: window.open, because: window.because };
}

function listOf<T>(map: Map<string, T[]>, key: string): T[] {
  let list = map.get(key);
  if (list === undefined) map.set(key, (list = []));
  return list;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
