/**
 * What the broker enforces: one user per principal, identified by an nkey, with
 * publish/subscribe allow- and deny-lists. The policy compiler produces `Permissions`
 * per principal name; the supervisor attaches each principal's public nkey and the broker
 * renders the whole thing into nats-server's `authorization` block.
 */
export interface SubjectRules {
  allow: string[];
  deny?: string[];
}

export interface Permissions {
  publish: SubjectRules;
  subscribe: SubjectRules;
  /** May publish a reply to the reply subject of a request it received (nats `allow_responses`). */
  allowResponses?: boolean;
}

export interface Principal {
  /** A subject token: a service id, `supervisor`, `operator`. */
  name: string;
  /** The principal's public user nkey (starts with `U`). */
  nkey: string;
  permissions: Permissions;
}

export interface Authorization {
  principals: Principal[];
}
