// Buffered standard output for the GRIB tools: large outputs go out in big writes, waiting for the
// pipe to drain, and a reader that stops reading (`| head`) ends the command quietly, as ecCodes'
// tools do.
import { once } from "node:events";

export interface Out {
  write(s: string): void;
  /** Waits for the pipe when much is buffered. */
  flushIfLarge(): Promise<void>;
  flush(): Promise<void>;
}

let quiet = false;

function quietOnClosedPipe(): void {
  if (quiet) return;
  quiet = true;
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
}

export function stdout(): Out {
  quietOnClosedPipe();
  const parts: string[] = [];
  let size = 0;
  const flush = async () => {
    if (!parts.length) return;
    const ok = process.stdout.write(parts.join(""));
    parts.length = 0;
    size = 0;
    if (!ok) await once(process.stdout, "drain");
  };
  return {
    write(s: string) {
      parts.push(s);
      size += s.length;
    },
    async flushIfLarge() {
      if (size > 1 << 20) await flush();
    },
    flush,
  };
}
