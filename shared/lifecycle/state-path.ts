import type { StateValue } from 'xstate';

/** `{ rollingBack: 'restoring' }` → `rollingBack.restoring`; lifecycle machines have no parallel states. */
export function statePath(value: StateValue): string {
  if (typeof value === 'string') return value;
  const [[parent, child] = ['', '']] = Object.entries(value);
  return child === undefined ? parent : `${parent}.${statePath(child)}`;
}
