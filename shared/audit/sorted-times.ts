/** Binary searches over lists sorted by a time (ms). */

/** The index of the first element at or after `at` (the list's length if none). */
export function firstAtOrAfter<T>(list: readonly T[], at: number, time: (item: T) => number): number {
  return search(list, (item) => time(item) < at);
}

/** The index of the first element after `at` (the list's length if none); O(1) when `at` is past the end. */
export function firstAfter<T>(list: readonly T[], at: number, time: (item: T) => number): number {
  const last = list.at(-1);
  if (last === undefined || time(last) <= at) return list.length;
  return search(list, (item) => time(item) <= at);
}

/** The first index whose element is not `before` (elements that are come first). */
function search<T>(list: readonly T[], before: (item: T) => boolean): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (before(list[middle] as T)) low = middle + 1;
    else high = middle;
  }
  return low;
}
