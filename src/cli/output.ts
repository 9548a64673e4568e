// What commands print: JSON for scripts, aligned tables for people, progress only on a terminal.

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints rows as left-aligned columns with a header line. */
export function printTable(columns: string[], rows: Array<Array<string | number | null | undefined>>): void {
  const cells = rows.map((row) =>
    row.map((cell) => (cell === null || cell === undefined ? "" : String(cell))),
  );
  const widths = columns.map((title, i) =>
    Math.max(title.length, ...cells.map((row) => row[i]?.length ?? 0)),
  );
  const line = (row: string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  process.stdout.write(`${line(columns)}\n`);
  for (const row of cells) process.stdout.write(`${line(row)}\n`);
}

/**
 * The one line a long command keeps rewriting on a terminal (its progress), and the whole lines printed
 * above it (log records, notices), after which it is drawn again. Off a terminal only whole lines are
 * written.
 */
export class StatusLine {
  readonly #stream: NodeJS.WriteStream;
  readonly #active: boolean;
  #text = "";

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.#stream = stream;
    this.#active = stream.isTTY === true;
  }

  update(text: string): void {
    if (!this.#active) return;
    // Wider than the terminal, it would wrap, and a rewrite would clear only its last row.
    this.#text = text.slice(0, Math.max(1, (this.#stream.columns || 80) - 1));
    this.#stream.write(`\r\x1b[2K${this.#text}`);
  }

  /** Writes a whole line above the status line. */
  print(line: string): void {
    const text = line.endsWith("\n") ? line : `${line}\n`;
    if (this.#active && this.#text) this.#stream.write(`\r\x1b[2K${text}${this.#text}`);
    else this.#stream.write(text);
  }

  done(): void {
    if (this.#active && this.#text) this.#stream.write("\r\x1b[2K");
    this.#text = "";
  }
}

/** A status line on stderr: progress shown on a terminal only. */
export function progress(stream: NodeJS.WriteStream = process.stderr): StatusLine {
  return new StatusLine(stream);
}

/**
 * `cloudburst fields ls | head`: once the reader has gone, what is left to print is dropped and the
 * command ends as it would have (closing its database), without an EPIPE trace.
 */
export function endQuietlyOnBrokenPipe(
  streams: NodeJS.WriteStream[] = [process.stdout, process.stderr],
): void {
  for (const stream of streams) {
    if (stream.listenerCount("error") > 0) continue;
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
    });
  }
}
