/**
 * How service VMs are realised. The lifecycle machines talk only to this interface, so the
 * `process` driver (OS processes) and a `xen` driver (domains through xl) are interchangeable.
 *
 * A driver knows nothing about the bus: readiness and heartbeats arrive at the supervisor over
 * NATS. The driver starts, snapshots, restores and destroys instances, and reports their exit.
 */
export interface InstanceSpec {
  host: string;
  /** The service VM id from the policy (`blk-shared`). */
  id: string;
  role: string;
  /** Increases with every new instance of the same service VM; reports carry it. */
  instance: number;
  natsUrl: string;
  /** The service VM's own nkey seed: its only credential. Never put in the environment. */
  seed: string;
  heartbeatMs: number;
  /** The most memory the instance may use, when the policy limits it. */
  memoryLimitBytes?: number;
  /** Role-specific configuration the instance needs at start (JSON-serialisable). */
  config: Record<string, unknown>;
  /** Host paths the instance must be able to read besides its code (a driver may enforce it). */
  readPaths: string[];
  /**
   * Host directories the instance keeps state in that must outlive it (XenStore-State's tree).
   * The driver creates them and lets this service VM, and no other, write there. The instance
   * starts in the first one and must reach it by relative paths: the directories above it may
   * be closed to the instance's uid.
   */
  writePaths: string[];
  /**
   * A warm standby (make before break): it initialises but joins its service's queue group only
   * when the supervisor activates it. Without it, an instance serves as soon as it starts.
   */
  standby?: boolean;
  /**
   * Per-request rollback: once active, the instance serves exactly one request, then leaves the
   * queue group and reports `drained`; the supervisor replaces it with a fresh one.
   */
  oneShot?: boolean;
}

/** What an instance receives at start: its spec without the secret, which travels apart. */
export type InstanceBootstrap = InstanceSpec;

export interface InstanceExit {
  code: number | null;
  signal: string | null;
  /** The last thing the instance said before it ended (its last log line), if anything. */
  detail?: string;
}

export interface InstanceHandle {
  id: string;
  instance: number;
  /** The OS process id of the service itself, where the driver has one. */
  pid: number | undefined;
  /** Settles once when the instance is gone, however it ended. */
  readonly exited: Promise<InstanceExit>;
}

/** The clean image of a service VM, taken right after it initialised. */
export interface Snapshot {
  id: string;
  /** sha256 over the code identity and the declared initial state. */
  digest: string;
  takenAt: number;
  spec: Omit<InstanceSpec, 'instance' | 'seed' | 'standby'>;
}

export interface ServiceDriver {
  readonly kind: string;
  /** What keeps one instance from another, as status shows it: a process sandbox's level, `xen-domain`. */
  readonly isolation: string;
  /**
   * Whether two instances of a service VM that keeps files may run at once over its state (a warm
   * standby beside the live instance). The xen driver gives such a service a disk that one domain
   * at a time may attach: it rolls back by replacement there.
   */
  readonly sharesStateBetweenInstances: boolean;
  /** Starts a new instance; resolves once it exists (it reports readiness on the bus). */
  start(spec: InstanceSpec): Promise<InstanceHandle>;
  /** Records the clean image of an initialised instance. */
  snapshot(handle: InstanceHandle, spec: InstanceSpec): Promise<Snapshot>;
  /** Starts a fresh instance from a snapshot (a warm standby with `standby`); the old one is not touched. */
  restore(snapshot: Snapshot, instance: number, seed: string, options?: { standby?: boolean }): Promise<InstanceHandle>;
  /** Ends an instance at once and resolves when it is gone. Idempotent. */
  destroy(handle: InstanceHandle): Promise<void>;
  /** Lets go of what the driver holds (log files, watches); call once every instance is gone. */
  close(): Promise<void>;
}
