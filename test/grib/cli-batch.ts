// Runs many `cloudburst` command lines in one process, each through the CLI's own main() with its
// standard output and error captured, and prints one JSON line per run: {args, code, stdout, stderr}.
// Hundreds of runs of the GRIB tools cost one Node start-up instead of hundreds. A run that does not
// finish within --timeout ms is reported with code "hang"; the lines to run come on standard input,
// one JSON array of arguments a line.
import { createInterface } from "node:readline";
import { main } from "../../src/cli/main.ts";

const timeoutMs = Number(process.argv[2] ?? 10_000);
const realOut = process.stdout.write.bind(process.stdout);
const realErr = process.stderr.write.bind(process.stderr);

async function runOne(args: string[]): Promise<{ code: number | "hang"; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const capture = (append: (s: string) => void) =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      append(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString());
      const done = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      done?.();
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = capture((s) => {
    stdout += s;
  });
  process.stderr.write = capture((s) => {
    stderr += s;
  });
  process.exitCode = undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const code = await Promise.race([
      main(args),
      new Promise<"hang">((resolve) => {
        timer = setTimeout(() => resolve("hang"), timeoutMs);
      }),
    ]);
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
    process.stdout.write = realOut;
    process.stderr.write = realErr;
    process.exitCode = undefined;
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const args = JSON.parse(line) as string[];
  const result = await runOne(args);
  realOut(`${JSON.stringify({ args, ...result })}\n`);
}
