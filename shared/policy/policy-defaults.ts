/** What a policy means where it says nothing, in the file's own terms. */
export const policyDefaults = {
  driver: 'process',
  xen: { bridge: 'xenbr0', controlNetwork: '10.88.0.1/24' },
  pciSysfsRoot: '/sys/bus/pci',
  watchdog: { heartbeat: '250ms', timeout: '2s', startTimeout: '10s' },
  restartBudget: { maxRestarts: 5, within: '60s', backoff: { initial: '100ms', max: '5s' } },
  restart: 'never',
  vcpus: 1,
} as const;
