import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { instanceDomainName } from '../../../shared/drivers/xen/domain-names.js';
import { serviceDomainConfig } from '../../../shared/drivers/xen/service-domain-config.js';
import { templateSettings } from '../../../shared/drivers/xen/xen-driver.js';
import { renderXlConfig } from '../../../shared/drivers/xen/xl-config-text.js';
import { XoarError } from '../../../shared/errors/xoar-error.js';
import { loadPolicy } from '../../../shared/policy/load-policy.js';
import { dom0Address, xenDriverOptions } from '../../supervisor/host-driver.js';
import { instanceSpec } from '../../supervisor/instance-spec.js';
import { hostPaths } from '../../supervisor/state-dir.js';
import type { GlobalOptions } from '../global-options.js';
import { printResult, runCommand } from '../output.js';

type Options = GlobalOptions & { file: string; out: string };

export class NotXenPolicyError extends XoarError {
  constructor(file: string, driver: string) {
    super('not-a-xen-policy', `${file} runs its service VMs on the ${driver} driver: there are no domain configs to write`, { hint: 'set host.driver to "xen" (with host.xen) in the policy' });
  }
}

/**
 * Writes the xl.cfg of each service VM's first instance (`<host>-<id>-1`) as the xen driver makes
 * it for this host; later instances differ in name and MAC only: for review, or to install on a
 * host by hand.
 */
export const policyXenConfigsCommand: CommandModule<GlobalOptions, Options> = {
  command: 'xen-configs <file>',
  describe: "Write the xl.cfg of every service VM domain a xen-driver policy makes (for review, or to install by hand)",
  builder: (yargs) =>
    yargs
      .positional('file', { type: 'string', demandOption: true, describe: 'the policy (JSON or YAML), with host.driver "xen"' })
      .option('out', { type: 'string', demandOption: true, describe: 'the directory to write <host>-<id>.cfg files into' }),
  handler: (argv) =>
    runCommand(argv, async () => {
      const policy = await loadPolicy(argv.file);
      if (policy.host.driver !== 'xen') throw new NotXenPolicyError(policy.source, policy.host.driver);
      const paths = hostPaths(argv.stateDir, policy.host.name);
      const settings = templateSettings(xenDriverOptions(policy.host.xen, paths));
      const brokerUrl = `nats://${dom0Address(policy.host.xen)}:4222`;
      mkdirSync(argv.out, { recursive: true });
      const written = policy.services.map((service) => {
        const spec = instanceSpec(policy, service, { natsUrl: brokerUrl, serviceStateRoot: paths.serviceStateRoot }, 0, '');
        const name = instanceDomainName(policy.host.name, service.id, 1);
        const file = join(argv.out, `${policy.host.name}-${service.id}.cfg`);
        writeFileSync(file, renderXlConfig(serviceDomainConfig(spec, name, settings), `service VM "${service.id}"`));
        return { service: service.id, role: service.role, domain: name, file };
      });
      printResult(argv, { host: policy.host.name, configs: written }, () => written.map((w) => `${w.file}  (${w.service}, ${w.role})`).join('\n'));
    }),
};
