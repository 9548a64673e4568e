// Golden images by name, as the thesis ran them: the golden server is the one named exactly
// `base` (fleet.cloudsigma.goldenServer); each update keeps the previous golden as a rolling backup
// named `base@YYYYMMDDTHHMMSSZ`, at most `keep` of them; a rollback puts a named backup back.
import type { FleetNode } from "../provider.ts";
import type { CloudSigmaProvider } from "./provider.ts";

export interface GoldenImages {
  current: FleetNode | null;
  /** Newest first. */
  backups: FleetNode[];
}

const stamp = (at: Date) =>
  at
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");

export async function goldenImages(provider: CloudSigmaProvider, base: string): Promise<GoldenImages> {
  const all = await provider.listNodes();
  const current = all.filter((n) => n.name === base);
  if (current.length > 1)
    throw new Error(`${current.length} servers are named "${base}": rename all but one`);
  const backups = all
    .filter((n) => n.name.startsWith(`${base}@`))
    .sort((a, b) => b.name.localeCompare(a.name));
  return { current: current[0] ?? null, backups };
}

/**
 * Makes server `candidate` (uuid or name) the golden image: the current golden becomes the newest
 * backup, and backups beyond `keep` are destroyed with their drives.
 */
export async function rotateGolden(
  provider: CloudSigmaProvider,
  base: string,
  candidate: string,
  keep: number,
  now = new Date(),
): Promise<{ golden: FleetNode; backup: FleetNode | null; destroyed: string[] }> {
  const images = await goldenImages(provider, base);
  const all = await provider.listNodes();
  const next = all.find((n) => n.id === candidate || n.name === candidate);
  if (!next) throw new Error(`no server "${candidate}" to make the golden image`);
  if (next.id === images.current?.id) throw new Error(`"${candidate}" is already the golden image`);
  if (next.state !== "stopped")
    throw new Error(`stop "${next.name}" first: a golden image is cloned while stopped`);
  const backup = images.current
    ? await provider.renameServer(images.current.id, `${base}@${stamp(now)}`)
    : null;
  const golden = await provider.renameServer(next.id, base);
  const backups = backup ? [backup, ...images.backups.filter((b) => b.id !== next.id)] : images.backups;
  const destroyed: string[] = [];
  for (const old of backups.slice(keep)) {
    await provider.destroyNode(old.id);
    destroyed.push(old.name);
  }
  return { golden, backup, destroyed };
}

/** Puts backup `name` back as the golden image; the current golden becomes a backup itself. */
export async function rollbackGolden(
  provider: CloudSigmaProvider,
  base: string,
  name: string,
  now = new Date(),
): Promise<{ golden: FleetNode; backup: FleetNode | null }> {
  const images = await goldenImages(provider, base);
  const wanted = images.backups.find((b) => b.name === name || b.id === name);
  if (!wanted) {
    throw new Error(
      `no golden backup "${name}"; backups: ${images.backups.map((b) => b.name).join(", ") || "none"}`,
    );
  }
  const backup = images.current
    ? await provider.renameServer(images.current.id, `${base}@${stamp(now)}`)
    : null;
  return { golden: await provider.renameServer(wanted.id, base), backup };
}
