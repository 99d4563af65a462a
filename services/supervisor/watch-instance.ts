import { fromCallback } from 'xstate';
import type { InstanceReport, WatchInstanceInput } from '../../shared/lifecycle/service-machine.js';

/** Sends `instance.exited` when the instance is gone (also if it already is), until the watch ends. */
export const watchInstanceExit = fromCallback<InstanceReport, WatchInstanceInput>(({ input, sendBack }) => {
  let watching = true;
  void input.handle.exited.then((exit) => {
    if (watching) sendBack({ type: 'instance.exited', instance: input.handle.instance, ...exit });
  });
  return () => {
    watching = false;
  };
});
