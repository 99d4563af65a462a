/** What a policy means where it says nothing, in the file's own terms. */
export const policyDefaults = {
  driver: 'process',
  pciSysfsRoot: '/sys/bus/pci',
  watchdog: { heartbeat: '250ms', timeout: '2s', startTimeout: '10s' },
  restartBudget: { maxRestarts: 5, within: '60s', backoff: { initial: '100ms', max: '5s' } },
  restart: 'never',
  vcpus: 1,
} as const;
