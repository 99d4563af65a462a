/**
 * Payload conventions of docs/misc/xenstore.txt: arguments are strings each followed by a NUL
 * ("<foo>|"), except a WRITE value, which is raw bytes after the path's NUL.
 */

const NUL = 0;

/** The payload as NUL-terminated strings; an unterminated tail is not a string and is left out. */
export function terminatedStrings(payload: Uint8Array): string[] {
  const strings: string[] = [];
  let start = 0;
  for (let index = 0; index < payload.length; index++) {
    if (payload[index] === NUL) {
      strings.push(Buffer.from(payload.subarray(start, index)).toString('latin1'));
      start = index + 1;
    }
  }
  return strings;
}

/** The single argument of a one-argument request: exactly one NUL, at the end (xenstored's onearg). */
export function onlyArgument(payload: Uint8Array): string | undefined {
  if (payload.length === 0 || payload.indexOf(NUL) !== payload.length - 1) return undefined;
  return Buffer.from(payload.subarray(0, payload.length - 1)).toString('latin1');
}

/** Splits "first\0rest..." at the first NUL; undefined when there is no NUL. */
export function splitAtFirstNul(payload: Uint8Array): { first: string; rest: Uint8Array } | undefined {
  const nul = payload.indexOf(NUL);
  if (nul < 0) return undefined;
  return { first: Buffer.from(payload.subarray(0, nul)).toString('latin1'), rest: payload.subarray(nul + 1) };
}

/** Each string followed by a NUL: "a\0b\0". */
export function nulTerminated(strings: readonly string[]): Buffer {
  return Buffer.from(strings.map((text) => `${text}\0`).join(''), 'latin1');
}
