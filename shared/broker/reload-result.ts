/** How long a reload is waited for: until the server reports it in its log. */
export const RELOAD_TIMEOUT_MS = 10_000;

/** What nats-server said about a configuration reload. */
export type ReloadResult = { applied: true } | { applied: false; reason: string };

/** The reload outcome a server log line reports, if any. */
export function classifyReloadLine(line: string): ReloadResult | undefined {
  if (line.includes('Reloaded server configuration')) return { applied: true };
  const failure = /Failed to reload server configuration: (.*)$/.exec(line);
  return failure === null ? undefined : { applied: false, reason: failure[1] ?? line };
}
