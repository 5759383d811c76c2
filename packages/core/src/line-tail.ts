/** The last lines of a supervised process's output, so an early exit can explain itself. */
export interface LineTail {
  /** Feeds a chunk of output; complete lines are kept, the rest waits for its newline. */
  push(chunk: string): void;
  readonly lines: readonly string[];
}

/** Keeps the last `max` lines that `keep` accepts (after `transform`, e.g. redaction). */
export function createLineTail(
  max: number,
  options: { keep?: (line: string) => boolean; transform?: (line: string) => string } = {},
): LineTail {
  const lines: string[] = [];
  let rest = '';
  return {
    push(chunk) {
      rest += chunk;
      const parts = rest.split('\n');
      rest = parts.pop() ?? '';
      for (const raw of parts) {
        const line = raw.trim();
        if (!line || (options.keep && !options.keep(line))) continue;
        lines.push(options.transform ? options.transform(line) : line);
      }
      if (lines.length > max) lines.splice(0, lines.length - max);
    },
    lines,
  };
}
