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

/** A one-line progress display that rewrites itself on a terminal and stays silent otherwise. */
export function progress(stream: NodeJS.WriteStream = process.stderr): {
  update(text: string): void;
  done(): void;
} {
  const active = stream.isTTY === true;
  return {
    update(text: string) {
      if (active) stream.write(`\r\x1b[2K${text}`);
    },
    done() {
      if (active) stream.write("\r\x1b[2K");
    },
  };
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
