import type { Authorization } from './authorization.js';
import { parseViolation } from './violation-log.js';
import type { BrokerViolation } from './violation-log.js';

/** A violation, with the name of the principal whose nkey committed it (if the nkey is one we issued). */
export interface PrincipalViolation extends BrokerViolation {
  principal: string | undefined;
}

/**
 * Every nkey ever granted, with its principal's name, to name the principal behind a
 * violation even after its revocation.
 */
export class PrincipalNames {
  readonly #byNkey = new Map<string, string>();

  remember(authorization: Authorization): void {
    for (const principal of authorization.principals) this.#byNkey.set(principal.nkey, principal.name);
  }

  nameOf(nkey: string | undefined): string | undefined {
    return nkey === undefined ? undefined : this.#byNkey.get(nkey);
  }

  /** The permission violation a server log line reports, if any, with its principal's name. */
  violationIn(line: string): PrincipalViolation | undefined {
    const violation = parseViolation(line);
    return violation === undefined ? undefined : { ...violation, principal: this.nameOf(violation.nkey) };
  }
}
