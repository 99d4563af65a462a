/**
 * A domain that has the control domain's rights on some subtrees: a service VM whose role holds
 * the policy capability `xenstore.write:<path>` (the builder, by default on /local/domain), so
 * that it can write guests' entries as Xen's toolstack does from dom0.
 *
 * On a node at or below one of its paths it is answered as the control domain would be: every
 * permission check passes, SET_PERMS may name any owner, the nodes it creates inherit their
 * parent's permissions (so they count against that owner's node quota, as dom0's do), and the
 * per-node quotas (value size, permission entries) do not apply. Creating a node is a change to
 * its nearest existing ancestor, so that ancestor's path decides. Everywhere else it is an
 * ordinary unprivileged domain, and so it is for everything that is not about a node:
 * INTRODUCE, RELEASE, RESUME, SET_TARGET and IS_DOMAIN_INTRODUCED stay the control domain's
 * (which domains the store serves is the supervisor's business), it is told of @introduceDomain
 * and @releaseDomain only as those nodes' permissions say, and its watches, transactions and
 * requests in flight stay limited. GET_DOMAIN_PATH was open to every domain already.
 */
export interface XenstoreDelegation {
  readonly domid: number;
  /** Absolute paths, each covering its node and every node below it. */
  readonly paths: readonly string[];
}
