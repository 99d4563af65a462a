/** The recent output of a server process, line by line, with listeners for new lines. */
export class ServerLog {
  readonly #capacity: number;
  readonly #lines: string[] = [];
  readonly #listeners = new Set<(line: string) => void>();

  constructor(capacity = 200) {
    this.#capacity = capacity;
  }

  append(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > this.#capacity) this.#lines.shift();
    for (const listener of [...this.#listeners]) listener(line);
  }

  /** The last lines, oldest first (at most the capacity). */
  recent(): string[] {
    return [...this.#lines];
  }

  /** Calls `listener` with every line appended from now on; returns the unsubscribe function. */
  onLine(listener: (line: string) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }
}
