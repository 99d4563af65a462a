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

/**
 * One reason a guest was exposed. The chain of reasons is the compromised service's window's
 * `because` (`window` indexes `compromised[service].windows`), then this `because`: answers
 * with tens of thousands of guests share their windows' chains instead of repeating them.
 */
export interface GuestExposure {
  service: string;
  via: DependencyVia;
  window: number;
  from: string;
  to: string;
  open: boolean;
  because: string;
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

/** The whole chain of reasons behind one guest exposure, from the question to the guest. */
export function reasonChain(answer: ExposureAnswer, exposure: GuestExposure): string[] {
  const window = answer.compromised.find((c) => c.component === exposure.service)?.windows[exposure.window];
  return [...(window?.because ?? []), exposure.because];
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

/** A time in ms and as ISO 8601 (formatting is the costly part of a large answer: done once a time). */
interface Instant {
  ms: number;
  iso: string;
}

interface Window {
  from: Instant;
  to: Instant;
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
  const since = instant(question.since.getTime());
  const horizon = instant((question.until ?? question.now).getTime());
  if (horizon.ms < since.ms) throw new ExposureWindowError(question.since, question.until ?? question.now);
  const windows = new Map<string, Window[]>();
  const pending = [{ component: question.component, at: since, because: [`${question.component} was compromised at ${since.iso}`] }];
  for (let next = takeEarliest(pending); next !== undefined; next = takeEarliest(pending)) {
    const known = windows.get(next.component) ?? [];
    if (known.some((window) => covers(window, next.at.ms))) continue;
    const window = compromiseWindow(index, next.component, next.at, horizon, next.because);
    windows.set(next.component, [...known, window]);
    pending.push(...requestsAccepted(index, next.component, window, horizon));
  }
  return {
    component: question.component,
    since: since.iso,
    horizon: horizon.iso,
    compromised: [...windows].map(([component, list]) => ({ component, role: index.services.get(component)?.role ?? null, windows: list.map(interval) })),
    guests: guestExposures(index, windows, horizon),
  };
}

function compromiseWindow(index: AuditIndex, component: string, from: Instant, horizon: Instant, because: string[]): Window {
  const facts = index.services.get(component);
  const upTo = `compromised up to ${horizon.iso} and on`;
  const open = (why: string): Window => ({ from, to: horizon, open: true, because: [...because, why] });
  if (facts === undefined) return open(`${component} has no role on record (no host record lists it): taken to keep state across rollbacks, ${upTo}`);
  if (facts.role === KEEPS_STATE_ROLE) return open(`${component} keeps its state across rollbacks (role ${facts.role}): ${upTo}`);
  if (facts.recoveryBox.length > 0) return open(`${component} hands its recovery box (${facts.recoveryBox.join(', ')}) to each fresh instance: ${upTo}`);
  const ends = index.instanceEnds.get(component) ?? [];
  const end = ends[firstAfter(ends, from.ms, (e) => e.at)];
  if (end === undefined || end.at > horizon.ms) return open(`${component} was not rolled back by ${horizon.iso}: still compromised then`);
  return { from, to: { ms: end.at, iso: end.iso }, open: false, because: [...because, `${component} was ${end.how} at ${end.iso}: what was planted in it is gone`] };
}

/**
 * The first request each service accepted from `component` in its window, and again after each
 * of that service's own windows ends. A report covers its requests from its first to its last:
 * one that overlaps the window counts from the window's start (or its first request, if later),
 * as nothing says when between the two the requests came.
 */
function requestsAccepted(index: AuditIndex, component: string, window: Window, horizon: Instant): Array<{ component: string; at: Instant; because: string[] }> {
  const series = index.requests.get(component);
  if (series === undefined) return [];
  const found: Array<{ component: string; at: Instant; because: string[] }> = [];
  const compromisedUntil = new Map<string, number>();
  for (let i = firstAtOrAfter(series.at, window.from.ms - series.longest, (t) => t); i < series.at.length; i++) {
    const first = series.at[i] as number;
    if (first >= window.to.ms) break;
    const last = series.last[i] as number;
    if (last < window.from.ms) continue;
    const to = series.to[i] as string;
    const ms = Math.max(first, window.from.ms);
    if (ms < (compromisedUntil.get(to) ?? -Infinity)) continue;
    const at = instant(ms);
    const accepted = first === last ? `a request from ${component} at ${at.iso}` : `requests from ${component} from ${instant(first).iso} to ${instant(last).iso}`;
    const because = [...window.because, `${to} accepted ${accepted}`];
    found.push({ component: to, at, because });
    const reached = compromiseWindow(index, to, at, horizon, because);
    compromisedUntil.set(to, reached.open ? Infinity : reached.to.ms);
  }
  return found;
}

function guestExposures(index: AuditIndex, windows: Map<string, Window[]>, horizon: Instant): ExposureAnswer['guests'] {
  const byGuest = new Map<string, GuestExposure[]>();
  for (const [service, list] of windows) {
    list.forEach((window, number) => {
      for (const dependency of index.dependenciesOverlapping(service, window.from.ms, window.to.ms)) {
        const exposed = dependency.via === DependencyVia.builder ? builtWhileCompromised(dependency, window, number, horizon) : reliedOnWhileCompromised(dependency, window, number, horizon);
        if (exposed !== undefined) listOf(byGuest, dependency.guest).push(exposed);
      }
    });
  }
  return [...byGuest]
    .sort(([a], [b]) => compare(a, b))
    .map(([guest, exposures]) => ({ guest, exposures: exposures.sort((a, b) => compare(a.from, b.from) || compare(a.service, b.service)) }));
}

function reliedOnWhileCompromised(dependency: DependencyInterval, window: Window, number: number, horizon: Instant): GuestExposure | undefined {
  const ends = dependency.to ?? Infinity;
  if (ends <= window.from.ms) return undefined;
  const until = dependency.toIso === null ? 'on' : `to ${dependency.toIso}`;
  return {
    service: dependency.service,
    via: dependency.via,
    window: number,
    from: dependency.from > window.from.ms ? dependency.fromIso : window.from.iso,
    to: ends < window.to.ms ? (dependency.toIso as string) : window.to.iso,
    open: window.open && ends > horizon.ms,
    because: `${dependency.guest} relied on ${dependency.service} via ${dependency.via} from ${dependency.fromIso} ${until}`,
  };
}

function builtWhileCompromised(dependency: DependencyInterval, window: Window, number: number, horizon: Instant): GuestExposure | undefined {
  if (dependency.from < window.from.ms) return undefined;
  const ends = dependency.to ?? Infinity;
  const life = dependency.toIso === null ? 'its whole life, and it is still running' : `its whole life, until it was destroyed at ${dependency.toIso}`;
  return {
    service: dependency.service,
    via: dependency.via,
    window: number,
    from: dependency.fromIso,
    to: ends < horizon.ms ? (dependency.toIso as string) : horizon.iso,
    open: ends > horizon.ms,
    because: `${dependency.guest} was built by ${dependency.service} at ${dependency.fromIso}, while it was compromised: exposed for ${life}`,
  };
}

/** Code-unit order: ISO times sort chronologically, names the same on every machine. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function covers(window: Window, ms: number): boolean {
  return window.from.ms <= ms && ms < window.to.ms;
}

function takeEarliest<T extends { at: Instant }>(pending: T[]): T | undefined {
  if (pending.length === 0) return undefined;
  let earliest = 0;
  pending.forEach((item, i) => {
    if (item.at.ms < (pending[earliest] as T).at.ms) earliest = i;
  });
  return pending.splice(earliest, 1)[0];
}

function interval(window: Window): ExposedInterval {
  return { from: window.from.iso, to: window.to.iso, open: window.open, because: window.because };
}

function listOf<T>(map: Map<string, T[]>, key: string): T[] {
  let list = map.get(key);
  if (list === undefined) map.set(key, (list = []));
  return list;
}

function instant(ms: number): Instant {
  return { ms, iso: new Date(ms).toISOString() };
}
