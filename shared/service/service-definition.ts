import type { NatsConnection } from '@nats-io/transport-node';
import type { InstanceBootstrap } from '../drivers/driver.js';
import type { RawHandler, RequestHandler } from '../bus/rpc.js';
import type { Logger } from '../log/logger.js';
import type { Role } from '../policy/types.js';

/** What a role's code can do from inside its service VM: only what its broker grants allow. */
export interface ServiceContext {
  readonly spec: Omit<InstanceBootstrap, 'seed'>;
  readonly nc: NatsConnection;
  readonly log: Logger;
  /** Answers requests on `xoar.<host>.rpc.<own id>.<op>` (`op` may hold wildcards: `g.*.build`). */
  serve(op: string, handler: RequestHandler): void;
  /** The same for messages in a wire format of the role's own: the handler's bytes are the reply, if any. */
  serveRaw(op: string, handler: RawHandler): void;
  /** Sends a request to another service VM; the broker refuses it unless granted. */
  requestService<T>(serviceId: string, op: string, payload?: unknown, timeoutMs?: number): Promise<T>;
  /** Asks the supervisor for a privileged operation this role holds. */
  requestSupervisor<T>(op: string, payload?: unknown, timeoutMs?: number): Promise<T>;
  /** A disposable role reports that its job is finished; the host will retire it. */
  reportDone(): void;
  /**
   * Writes the role's recovery box (see `shared/service/recovery-box.ts`): the small state the
   * next instance receives after a rollback, once the supervisor has validated it.
   */
  writeRecoveryBox(box: unknown): void;
  /** Tells the supervisor it refused something a guest it serves did (the supervisor records it). */
  reportRefusal(refusal: Record<string, unknown>): void;
}

export interface ServiceDefinition {
  role: Role;
  /**
   * Runs once per instance after it joined the bus and every service it uses answered;
   * when it resolves, the instance is initialised (and its snapshot is taken).
   */
  init?(ctx: ServiceContext): Promise<void> | void;
  /** Runs once the instance reported `initialized`: the one job of a disposable role. */
  run?(ctx: ServiceContext): Promise<void> | void;
  /**
   * Runs when the instance is activated, before it serves its first request, with the recovery
   * box the supervisor validated (`null`: none, or the last one was refused: start clean).
   */
  recover?(ctx: ServiceContext, box: unknown): Promise<void> | void;
  /** Runs when the instance is told to drain, once it has answered what it holds: let go of what the next instance takes over. */
  drain?(ctx: ServiceContext): Promise<void> | void;
}
