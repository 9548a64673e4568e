// `npm run bench NAME [ARGS...]`: runs bench/NAME.bench.ts, which prints its results (ratios to the peer
// tool measured in the same run). With no NAME, lists the benchmarks.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const benchDir = import.meta.dirname;
const available = readdirSync(benchDir)
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.slice(0, -".bench.ts".length))
  .sort();
const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  process.stderr.write(
    `${name ? `no benchmark named "${name}"\n` : ""}usage: npm run bench NAME [ARGS...]\nbenchmarks: ${available.join(", ") || "(none)"}\n`,
  );
  process.exitCode = name ? 2 : 0;
} else {
  const module = (await import(pathToFileURL(join(benchDir, `${name}.bench.ts`)).href)) as {
    run(args: string[]): Promise<void>;
  };
  await module.run(args);
}
