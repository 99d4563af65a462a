/** The states of a xenbus device end (xen/include/public/io/xenbus.h), as its `state` node holds them. */
export const XenbusState = {
  Unknown: 0,
  Initialising: 1,
  InitWait: 2,
  Initialised: 3,
  Connected: 4,
  Closing: 5,
  Closed: 6,
  Reconfiguring: 7,
  Reconfigured: 8,
} as const;
export type XenbusState = (typeof XenbusState)[keyof typeof XenbusState];

const NAMES = new Map<number, string>(Object.entries(XenbusState).map(([name, value]) => [value, name]));

/** The value of a `state` node; anything else (an absent node, text, another number) is Unknown, as xenbus_read_driver_state reads it. */
export function parseXenbusState(text: string | undefined): XenbusState {
  if (text === undefined || !/^\d+$/.test(text)) return XenbusState.Unknown;
  const value = Number(text);
  return NAMES.has(value) ? (value as XenbusState) : XenbusState.Unknown;
}

export function formatXenbusState(state: XenbusState): string {
  return String(state);
}

