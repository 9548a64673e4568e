// The release this installation runs: package.json's version, next to src/ in the package.
import { readFileSync } from "node:fs";

export function releaseVersion(): string {
  const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}
