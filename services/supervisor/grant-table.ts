import { type LiveGrant, grantOutsidePolicy, sameGrant } from '../../shared/policy/live-grants.js';
import type { HostPolicy } from '../../shared/policy/types.js';
import { GrantNotFoundError, GrantOutsidePolicyError } from './errors.js';

/** What a principal asks for when it issues or revokes a runtime grant. */
export type GrantRequest = Omit<LiveGrant, 'issuedBy'>;

/** The runtime grants in force on a host, each checked against the policy when issued and when the policy changes. */
export class GrantTable {
  private grants: LiveGrant[] = [];

  list(): readonly LiveGrant[] {
    return this.grants;
  }

  /** Adds a grant the policy allows; false when it was already in force. Throws when the policy does not allow it. */
  issue(policy: HostPolicy, request: GrantRequest, issuedBy: string): boolean {
    const outside = grantOutsidePolicy(policy, request);
    if (outside !== undefined) throw new GrantOutsidePolicyError(request, issuedBy, outside);
    if (this.grants.some((grant) => sameGrant(grant, request))) return false;
    this.grants = [...this.grants, { ...request, issuedBy }];
    return true;
  }

  revoke(request: GrantRequest): LiveGrant {
    const found = this.grants.find((grant) => sameGrant(grant, request));
    if (found === undefined) throw new GrantNotFoundError(request);
    this.grants = this.grants.filter((grant) => grant !== found);
    return found;
  }

  /** Removes every grant of a guest (it is destroyed), and returns them. */
  revokeGuest(guest: string): LiveGrant[] {
    const revoked = this.grants.filter((grant) => grant.guest === guest);
    this.grants = this.grants.filter((grant) => grant.guest !== guest);
    return revoked;
  }

  /** Removes the grants a new policy no longer allows, and returns them with the reason. */
  reconcile(policy: HostPolicy): Array<{ grant: LiveGrant; reason: string }> {
    const revoked = this.grants.flatMap((grant) => {
      const reason = grantOutsidePolicy(policy, grant);
      return reason === undefined ? [] : [{ grant, reason }];
    });
    this.grants = this.grants.filter((grant) => !revoked.some((gone) => gone.grant === grant));
    return revoked;
  }
}
