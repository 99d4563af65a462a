import { describe, expect, it } from 'vitest';
import { AuditIndex, type AuditIndexJson } from '../../shared/audit/audit-index.js';
import { exposure, ExposureWindowError, type GuestExposure, reasonChain } from '../../shared/audit/exposure.js';
import { at, ChainedLog, t } from './support/chained-log.js';

const SERVICES = [
  { id: 'xs-state', role: 'xenstore-state' },
  { id: 'xs-logic', role: 'xenstore-logic' },
  { id: 'builder', role: 'builder' },
  { id: 'toolstack', role: 'toolstack' },
  { id: 'blk-shared', role: 'block' },
  { id: 'blk-a', role: 'block' },
  { id: 'blk-boxed', role: 'block', recoveryBox: ['connections'] },
  { id: 'net', role: 'network' },
];
const NOW = at(1000);

const host = () => new ChainedLog().booted(0, SERVICES);
const compromised = (component: string, seconds: number) => `${component} was compromised at ${t(seconds)}`;
const rolledBack = (component: string, seconds: number, cause = 'timer') => `${component} was rolled back (${cause}) at ${t(seconds)}: what was planted in it is gone`;
const relied = (guest: string, service: string, via: string, from: number, to?: number) =>
  `${guest} relied on ${service} via ${via} from ${t(from)} ${to === undefined ? 'on' : `to ${t(to)}`}`;

describe('exposure: who was exposed while a component was compromised', () => {
  it('a backend compromised between two timed rollbacks exposes its guest until the next rollback', () => {
    const index = host().rollbacks('blk-a', [100, 200, 300]).relies('guest-a', 'blk-a', 'device', 10).index();
    const window = [compromised('blk-a', 150), rolledBack('blk-a', 200)];
    expect(exposure(index, { component: 'blk-a', since: at(150), now: NOW })).toEqual({
      component: 'blk-a',
      since: t(150),
      horizon: t(1000),
      compromised: [{ component: 'blk-a', role: 'block', windows: [{ from: t(150), to: t(200), open: false, because: window }] }],
      guests: [
        {
          guest: 'guest-a',
          exposures: [{ service: 'blk-a', via: 'device', window: 0, from: t(150), to: t(200), open: false, because: relied('guest-a', 'blk-a', 'device', 10) }],
        },
      ],
    });
  });

  it('a backend that never rolls back stays compromised up to now, or up to --until', () => {
    const index = host().relies('guest-b', 'net', 'device', 50, 400).relies('guest-c', 'net', 'device', 60).index();
    const notRolledBack = (seconds: number) => `net was not rolled back by ${t(seconds)}: still compromised then`;

    const toNow = exposure(index, { component: 'net', since: at(100), now: NOW });
    expect(toNow.compromised).toEqual([{ component: 'net', role: 'network', windows: [{ from: t(100), to: t(1000), open: true, because: [compromised('net', 100), notRolledBack(1000)] }] }]);
    expect(toNow.guests.map((g) => [g.guest, g.exposures.map((e) => [e.from, e.to, e.open])])).toEqual([
      ['guest-b', [[t(100), t(400), false]]],
      ['guest-c', [[t(100), t(1000), true]]],
    ]);

    const toUntil = exposure(index, { component: 'net', since: at(100), until: at(300), now: NOW });
    expect(toUntil.horizon).toBe(t(300));
    expect(toUntil.guests).toEqual([
      { guest: 'guest-b', exposures: [{ service: 'net', via: 'device', window: 0, from: t(100), to: t(300), open: true, because: relied('guest-b', 'net', 'device', 50, 400) }] },
      { guest: 'guest-c', exposures: [{ service: 'net', via: 'device', window: 0, from: t(100), to: t(300), open: true, because: relied('guest-c', 'net', 'device', 60) }] },
    ]);
    expect(reasonChain(toUntil, toUntil.guests[0]?.exposures[0] as GuestExposure)).toEqual([compromised('net', 100), notRolledBack(300), relied('guest-b', 'net', 'device', 50, 400)]);
  });

  it('a compromised builder exposes the guests it built while compromised, for their whole life, and no others', () => {
    const index = host()
      .rollbacks('builder', [100, 200], 'request')
      .relies('g-before', 'builder', 'builder', 50)
      .relies('g-destroyed', 'builder', 'builder', 120, 500)
      .relies('g-running', 'builder', 'builder', 150)
      .relies('g-after', 'builder', 'builder', 200)
      .index();
    const window = [compromised('builder', 110), rolledBack('builder', 200, 'request')];
    const answer = exposure(index, { component: 'builder', since: at(110), now: NOW });
    expect(answer.compromised).toEqual([{ component: 'builder', role: 'builder', windows: [{ from: t(110), to: t(200), open: false, because: window }] }]);
    expect(answer.guests).toEqual([
      {
        guest: 'g-destroyed',
        exposures: [
          {
            service: 'builder',
            via: 'builder',
            from: t(120),
            to: t(500),
            open: false,
            window: 0,
            because: `g-destroyed was built by builder at ${t(120)}, while it was compromised: exposed for its whole life, until it was destroyed at ${t(500)}`,
          },
        ],
      },
      {
        guest: 'g-running',
        exposures: [
          {
            service: 'builder',
            via: 'builder',
            from: t(150),
            to: t(1000),
            open: true,
            window: 0,
            because: `g-running was built by builder at ${t(150)}, while it was compromised: exposed for its whole life, and it is still running`,
          },
        ],
      },
    ]);
  });

  it('a compromised xenstore-logic exposes its guests until its rollback, and xenstore-state, which it wrote to, for good', () => {
    const index = host()
      .rollbacks('xs-logic', [100, 200])
      .relies('g1', 'xs-logic', 'xenstore', 0)
      .relies('g1', 'xs-state', 'xenstore', 0)
      .request(120, 'xs-logic', 'xs-state')
      .request(130, 'xs-logic', 'xs-state')
      .request(250, 'xs-logic', 'xs-state')
      .index();
    const logic = [compromised('xs-logic', 110), rolledBack('xs-logic', 200)];
    const state = [...logic, `xs-state accepted a request from xs-logic at ${t(120)}`, `xs-state keeps its state across rollbacks (role xenstore-state): compromised up to ${t(1000)} and on`];
    expect(exposure(index, { component: 'xs-logic', since: at(110), now: NOW })).toEqual({
      component: 'xs-logic',
      since: t(110),
      horizon: t(1000),
      compromised: [
        { component: 'xs-logic', role: 'xenstore-logic', windows: [{ from: t(110), to: t(200), open: false, because: logic }] },
        { component: 'xs-state', role: 'xenstore-state', windows: [{ from: t(120), to: t(1000), open: true, because: state }] },
      ],
      guests: [
        {
          guest: 'g1',
          exposures: [
            { service: 'xs-logic', via: 'xenstore', window: 0, from: t(110), to: t(200), open: false, because: relied('g1', 'xs-logic', 'xenstore', 0) },
            { service: 'xs-state', via: 'xenstore', window: 0, from: t(120), to: t(1000), open: true, because: relied('g1', 'xs-state', 'xenstore', 0) },
          ],
        },
      ],
    });
  });

  it('xenstore-state and a backend with a recovery box keep their compromise across rollbacks, and say so', () => {
    const index = host().rollbacks('xs-state', [200]).rollbacks('blk-boxed', [200]).index();
    expect(exposure(index, { component: 'xs-state', since: at(100), until: at(500), now: NOW }).compromised).toEqual([
      {
        component: 'xs-state',
        role: 'xenstore-state',
        windows: [{ from: t(100), to: t(500), open: true, because: [compromised('xs-state', 100), `xs-state keeps its state across rollbacks (role xenstore-state): compromised up to ${t(500)} and on`] }],
      },
    ]);
    expect(exposure(index, { component: 'blk-boxed', since: at(100), now: NOW }).compromised[0]?.windows[0]?.because).toEqual([
      compromised('blk-boxed', 100),
      `blk-boxed hands its recovery box (connections) to each fresh instance: compromised up to ${t(1000)} and on`,
    ]);
  });

  it('a shared backend exposes every guest it serves; a dedicated one only its own', () => {
    const index = host()
      .rollbacks('blk-shared', [300])
      .rollbacks('blk-a', [300])
      .relies('g1', 'blk-shared', 'device', 0)
      .relies('g2', 'blk-shared', 'device', 0)
      .relies('g1', 'blk-a', 'device', 0)
      .index();
    const guestsOf = (component: string) => exposure(index, { component, since: at(100), now: NOW }).guests.map((g) => g.guest);
    expect(guestsOf('blk-shared')).toEqual(['g1', 'g2']);
    expect(guestsOf('blk-a')).toEqual(['g1']);
  });

  it('a guest created or destroyed inside the window is exposed for the part it overlaps', () => {
    const index = host()
      .rollbacks('blk-shared', [200])
      .relies('g-old', 'blk-shared', 'device', 0, 130)
      .relies('g-short', 'blk-shared', 'device', 120, 140)
      .relies('g-new', 'blk-shared', 'device', 150)
      .index();
    expect(exposure(index, { component: 'blk-shared', since: at(100), now: NOW }).guests.map((g) => [g.guest, g.exposures.map((e) => [e.from, e.to])])).toEqual([
      ['g-new', [[t(150), t(200)]]],
      ['g-old', [[t(100), t(130)]]],
      ['g-short', [[t(120), t(140)]]],
    ]);
  });

  it('windows are half-open: what ends as the compromise begins, or begins as the rollback ends it, is outside', () => {
    const index = host()
      .rollbacks('blk-a', [100, 200])
      .relies('g-ended-at-since', 'blk-a', 'device', 0, 100)
      .relies('g-started-at-rollback', 'blk-a', 'device', 200)
      .relies('g-started-at-since', 'blk-a', 'device', 100, 101)
      .request(100, 'blk-a', 'net')
      .request(200, 'blk-a', 'toolstack')
      .index();
    const answer = exposure(index, { component: 'blk-a', since: at(100), now: NOW });
    expect(answer.compromised.map((c) => [c.component, c.windows.map((w) => [w.from, w.to])])).toEqual([
      ['blk-a', [[t(100), t(200)]]],
      ['net', [[t(100), t(1000)]]],
    ]);
    expect(answer.guests.map((g) => g.guest)).toEqual(['g-started-at-since']);
  });

  it('follows a chain: a compromised toolstack asks the builder, which builds a guest before its own rollback', () => {
    const index = host()
      .rollbacks('toolstack', [300])
      .rollbacks('builder', [160, 400], 'request')
      .request(150, 'toolstack', 'builder')
      .request(170, 'toolstack', 'builder')
      .relies('g-built', 'builder', 'builder', 155, 600)
      .relies('g-later', 'builder', 'builder', 165)
      .relies('g-clean', 'builder', 'builder', 500)
      .index();
    const answer = exposure(index, { component: 'toolstack', since: at(100), now: NOW });
    const toolstack = [compromised('toolstack', 100), rolledBack('toolstack', 300)];
    expect(answer.compromised).toEqual([
      { component: 'toolstack', role: 'toolstack', windows: [{ from: t(100), to: t(300), open: false, because: toolstack }] },
      {
        component: 'builder',
        role: 'builder',
        windows: [
          { from: t(150), to: t(160), open: false, because: [...toolstack, `builder accepted a request from toolstack at ${t(150)}`, rolledBack('builder', 160, 'request')] },
          { from: t(170), to: t(400), open: false, because: [...toolstack, `builder accepted a request from toolstack at ${t(170)}`, rolledBack('builder', 400, 'request')] },
        ],
      },
    ]);
    expect(answer.guests.map((g) => [g.guest, g.exposures.map((e) => [e.from, e.to, e.window])])).toEqual([['g-built', [[t(155), t(600), 0]]]]);
    expect(reasonChain(answer, answer.guests[0]?.exposures[0] as GuestExposure)).toEqual([
      ...toolstack,
      `builder accepted a request from toolstack at ${t(150)}`,
      rolledBack('builder', 160, 'request'),
      `g-built was built by builder at ${t(155)}, while it was compromised: exposed for its whole life, until it was destroyed at ${t(600)}`,
    ]);
  });

  it('a report of requests that straddles the start of the window counts from that start; one that ended before it, or began after it, does not', () => {
    const index = host()
      .rollbacks('blk-a', [100, 200])
      .request(90, 'blk-a', 'net', 99.5, 40)
      .request(98, 'blk-a', 'xs-logic', 101, 12)
      .request(199.5, 'blk-a', 'toolstack', 200.5, 3)
      .request(200, 'blk-a', 'builder')
      .index();
    const answer = exposure(index, { component: 'blk-a', since: at(100), now: NOW });
    const blk = [compromised('blk-a', 100), rolledBack('blk-a', 200)];
    expect(answer.compromised).toEqual([
      { component: 'blk-a', role: 'block', windows: [{ from: t(100), to: t(200), open: false, because: blk }] },
      {
        component: 'xs-logic',
        role: 'xenstore-logic',
        windows: [{ from: t(100), to: t(1000), open: true, because: [...blk, `xs-logic accepted requests from blk-a from ${t(98)} to ${t(101)}`, `xs-logic was not rolled back by ${t(1000)}: still compromised then`] }],
      },
      {
        component: 'toolstack',
        role: 'toolstack',
        windows: [{ from: t(199.5), to: t(1000), open: true, because: [...blk, `toolstack accepted requests from blk-a from ${t(199.5)} to ${t(200.5)}`, `toolstack was not rolled back by ${t(1000)}: still compromised then`] }],
      },
    ]);
  });

  it('a component with no role on record is taken to keep state (fail closed), and says so', () => {
    const index = new ChainedLog().rollbacks('mystery', [200]).index();
    expect(exposure(index, { component: 'mystery', since: at(100), now: NOW }).compromised[0]?.windows).toEqual([
      { from: t(100), to: t(1000), open: true, because: [compromised('mystery', 100), `mystery has no role on record (no host record lists it): taken to keep state across rollbacks, compromised up to ${t(1000)} and on`] },
    ]);
  });

  it('a window that ends before it begins is refused', () => {
    expect(() => exposure(new AuditIndex(), { component: 'blk-a', since: at(200), until: at(100), now: NOW })).toThrow(ExposureWindowError);
  });

  it('an index kept as JSON answers the same and goes on from where it stopped', () => {
    const records = host().rollbacks('blk-a', [300]).relies('g1', 'blk-a', 'device', 10, 250).records();
    const whole = new AuditIndex();
    for (const record of records) whole.add(record);
    const first = new AuditIndex();
    for (const record of records.slice(0, 2)) first.add(record);
    const resumed = AuditIndex.fromJSON(JSON.parse(JSON.stringify(first)) as AuditIndexJson);
    for (const record of records.slice(2)) resumed.add(record);
    const question = { component: 'blk-a', since: at(100), now: NOW };
    expect(exposure(resumed, question)).toEqual(exposure(whole, question));
    expect(exposure(resumed, question).guests[0]?.exposures.map((e) => [e.from, e.to])).toEqual([[t(100), t(250)]]);
    expect(resumed.head).toEqual(whole.head);
  });
});
