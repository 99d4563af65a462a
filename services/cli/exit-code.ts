/** What a non-zero exit of `xoar` means, so scripts can act on it. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  invalidPolicy: 3,
  hostNotRunning: 4,
  environment: 5,
  serviceFailed: 6,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const BY_ERROR_CODE: Record<string, ExitCode> = {
  'policy-invalid': ExitCode.invalidPolicy,
  'policy-not-found': ExitCode.invalidPolicy,
  'policy-needs-restart': ExitCode.invalidPolicy,
  'host-not-running': ExitCode.hostNotRunning,
  'host-ambiguous': ExitCode.usage,
  'broker-unreachable': ExitCode.hostNotRunning,
  'broker-not-found': ExitCode.environment,
  'broker-port-in-use': ExitCode.environment,
  'broker-start-failed': ExitCode.environment,
  'pci-device-missing': ExitCode.invalidPolicy,
  'policy-schema-not-found': ExitCode.environment,
  'host-already-running': ExitCode.environment,
  'service-entry-missing': ExitCode.environment,
  'host-boot-failed': ExitCode.serviceFailed,
  'unknown-service': ExitCode.usage,
  'unknown-principal': ExitCode.usage,
  'invalid-option': ExitCode.usage,
};

export function exitCodeFor(errorCode: string): ExitCode {
  return BY_ERROR_CODE[errorCode] ?? ExitCode.failure;
}
