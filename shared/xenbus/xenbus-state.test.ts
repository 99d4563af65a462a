import { describe, expect, it } from 'vitest';
import { formatXenbusState, parseXenbusState, XenbusState } from './xenbus-state.js';

describe('XenbusState', () => {
  it("has Xen's numbers", () => {
    expect(XenbusState).toEqual({ Unknown: 0, Initialising: 1, InitWait: 2, Initialised: 3, Connected: 4, Closing: 5, Closed: 6, Reconfiguring: 7, Reconfigured: 8 });
  });

  it('parses and formats the state node', () => {
    for (const state of Object.values(XenbusState)) expect(parseXenbusState(formatXenbusState(state))).toBe(state);
    expect(formatXenbusState(XenbusState.Connected)).toBe('4');
  });

  it.each([undefined, '', '9', '-1', '4x', ' 4'])('reads %j as Unknown', (text) => {
    expect(parseXenbusState(text)).toBe(XenbusState.Unknown);
  });
});
