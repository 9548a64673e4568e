// What cloud-init reads from a simulated server's user data, as it would on a VM: the user data itself
// (meta `cloudinit-user-data`, base64 when listed in `base64_fields`), and of a #cloud-config its
// write_files (written before any command runs) and its runcmd (run in order under sh -e), and the
// static address a netplan file among its write_files gives the VLAN NIC (what the guest's network
// namespace is set up with, guest-network.ts).
import { gunzipSync } from "node:zlib";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { GuestNic } from "./guest-network.ts";

/** The server's cloud-init user data; null when it has none. */
export function userDataOf(meta: Record<string, string>): string | null {
  const raw = meta["cloudinit-user-data"];
  if (raw === undefined) return null;
  const base64Fields = (meta["base64_fields"] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return base64Fields.includes("cloudinit-user-data") ? Buffer.from(raw, "base64").toString("utf8") : raw;
}

export interface WriteFile {
  path: string;
  content: Buffer;
  /** File mode; cloud-init's default is 0644. */
  mode: number;
  append: boolean;
}

export interface CloudConfig {
  writeFiles: WriteFile[];
  /** Shell lines of runcmd (strings run as-is, lists are quoted words); null when there is none. */
  runcmd: string | null;
}

const writeFileSchema = z.object({
  path: z.string().startsWith("/", "write_files paths are absolute"),
  content: z.string().default(""),
  encoding: z
    .enum(["text/plain", "b64", "base64", "gzip", "gz", "gz+base64", "gzip+base64", "gz+b64", "gzip+b64"])
    .default("text/plain"),
  permissions: z.union([z.string().regex(/^0?[0-7]{3,4}$/), z.number()]).default("0644"),
  append: z.boolean().default(false),
});

const cloudConfigSchema = z.object({
  write_files: z.array(writeFileSchema).default([]),
  runcmd: z.array(z.union([z.string(), z.array(z.unknown())])).default([]),
});

/** A #cloud-config's parts the simulator honours; null when the user data is not one. */
export function parseCloudConfig(userData: string): CloudConfig | null {
  if (!userData.startsWith("#cloud-config")) return null;
  const parsed = cloudConfigSchema.safeParse(parseYaml(userData) ?? {});
  if (!parsed.success) throw new Error(`cloud-config: ${z.prettifyError(parsed.error)}`);
  const { write_files, runcmd } = parsed.data;
  return {
    writeFiles: write_files.map((f) => ({
      path: f.path,
      content: decode(f.content, f.encoding),
      mode: typeof f.permissions === "number" ? f.permissions : Number.parseInt(f.permissions, 8),
      append: f.append,
    })),
    runcmd: runcmd.length
      ? `${runcmd.map((entry) => (Array.isArray(entry) ? entry.map((w) => shellQuote(String(w))).join(" ") : entry)).join("\n")}\n`
      : null,
  };
}

const netplanSchema = z.object({
  network: z.object({
    ethernets: z.record(z.string(), z.object({ addresses: z.array(z.string()).default([]) }).loose()),
  }),
});

/**
 * The VLAN NIC's static IPv4 address from a netplan file the cloud-config writes (/etc/netplan/*.yaml):
 * the first interface with one; null when there is none.
 */
export function vlanNicOf(config: CloudConfig): GuestNic | null {
  for (const file of config.writeFiles) {
    if (!/^\/etc\/netplan\/[^/]+\.ya?ml$/.test(file.path)) continue;
    const parsed = netplanSchema.safeParse(parseYaml(file.content.toString("utf8")));
    if (!parsed.success)
      throw new Error(`${file.path}: not a netplan file: ${z.prettifyError(parsed.error)}`);
    for (const [name, nic] of Object.entries(parsed.data.network.ethernets)) {
      const match = nic.addresses.map((a) => /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(a)).find(Boolean);
      if (match) return { interface: name, address: match[1]!, prefix: Number(match[2]) };
    }
  }
  return null;
}

function decode(content: string, encoding: string): Buffer {
  const base64 = encoding.includes("b64") || encoding.includes("base64");
  const bytes = base64 ? Buffer.from(content, "base64") : Buffer.from(content, "utf8");
  return encoding.startsWith("gz") ? gunzipSync(bytes) : bytes;
}

export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
