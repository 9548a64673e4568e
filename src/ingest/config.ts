// The `ingest` configuration section: receivers (FTP, watched directories, HTTP) and the pipeline.
// Secrets never live in the file: an FTP user has a scrypt hash of the password (from
// `cloudburst ftp hash-password`), or names the environment variable that holds it.
import { BlockList, isIP } from "node:net";
import { z } from "zod";

const cidr = z.string().refine((value) => parseCidr(value) !== null, {
  message: "expected an address or network, e.g. 10.0.0.0/8, 192.0.2.7 or 2001:db8::/32",
});

const ftpUser = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9._-]+$/, "letters, digits, '.', '_' and '-' only"),
    /** scrypt$N$r$p$salt$hash, from `cloudburst ftp hash-password`. */
    passwordHash: z
      .string()
      .regex(
        /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=_-]+\$[A-Za-z0-9+/=_-]+$/,
        "expected the output of `cloudburst ftp hash-password`",
      )
      .optional(),
    /** Name of the environment variable holding the password. */
    passwordEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, "expected an environment variable name")
      .optional(),
    /** The producer this user's files belong to (default: the GRIB centre of each message). */
    producer: z.string().min(1).optional(),
  })
  .refine((u) => (u.passwordHash === undefined) !== (u.passwordEnv === undefined), {
    message: "give exactly one of passwordHash and passwordEnv",
  });

const ftp = z
  .strictObject({
    enabled: z.boolean().default(false),
    /** Loopback by default: listening on the network (e.g. 0.0.0.0) is a deliberate choice. */
    host: z.string().min(1).default("127.0.0.1"),
    port: z.number().int().min(0).max(65535).default(2121),
    /** Where users' root directories are (ROOT/USER); relative to the store directory. */
    root: z.string().min(1).default("incoming/ftp"),
    /** Source networks allowed to connect; empty allows none but loopback. */
    allow: z.array(cidr).default([]),
    /**
     * Sessions at once; more are refused with 421 (try again). Each transfer holds one passive port, so
     * the passive range also bounds it: the smaller of the two applies.
     */
    maxConnections: z.number().int().min(1).max(10_000).default(100),
    passive: z
      .strictObject({
        /** The address clients are told to connect to for data (required for passive mode). */
        url: z.string().min(1).optional(),
        minPort: z.number().int().min(1024).max(65535).default(30000),
        maxPort: z.number().int().min(1024).max(65535).default(30100),
      })
      .prefault({})
      .refine((p) => p.minPort <= p.maxPort, { message: "minPort must not exceed maxPort" }),
    /**
     * How long after an upload's data connection ends the server waits, before answering 226, for a
     * sign that the client gave up (its control connection closing, or ABOR); such an upload is not
     * ingested. A client that waits for the reply loses only this much time per file. Uploads to a
     * temporary name (ingest.temporaryNames) are answered at once: the client's rename says they are
     * whole (a client renames once SIZE says so, as our push does).
     */
    confirmMs: z.number().int().min(0).max(10_000).default(200),
    /**
     * Explicit FTPS (AUTH TLS) with this certificate and key (PEM files). `required` (the default)
     * refuses a login that has not said AUTH TLS first: no password and no data cross in clear.
     */
    tls: z
      .strictObject({ cert: z.string().min(1), key: z.string().min(1), required: z.boolean().default(true) })
      .optional(),
    users: z.array(ftpUser).default([]),
  })
  .prefault({});

const watch = z.strictObject({
  dir: z.string().min(1),
  producer: z.string().min(1).optional(),
  /** A file is taken once its size and time stayed the same this long. */
  settleMs: z.number().int().min(0).default(2000),
  pollMs: z.number().int().min(100).default(1000),
});

export const ingestConfigSchema = z
  .strictObject({
    /** Files processed at once. */
    concurrency: z.number().int().min(1).max(32).default(2),
    /**
     * Names of files still being uploaded (regular expressions): never processed; processed when
     * renamed to a name that matches none of these.
     */
    temporaryNames: z
      .array(z.string().refine(isRegExp, { message: "expected a regular expression" }))
      .default(["^\\.", "\\.tmp$", "\\.part$", "\\.partial$", "\\.filepart$", "^tmp[._-]", "\\.lock$"]),
    /**
     * A file the minute's sweep finds under a final name in a receiver's directory (an FTP user's root,
     * HTTP uploads) is taken once its size and time stayed the same this long.
     */
    settleMs: z.number().int().min(0).max(600_000).default(2000),
    /**
     * A part under a temporary name in a receiver's directory (an FTP root, that no upload holds; the
     * HTTP uploads, by age alone) that has not changed this many hours is removed by the minute's
     * sweep: its client gave up on it. 0 keeps parts for ever.
     */
    abandonedPartHours: z.number().min(0).max(8760).default(24),
    ftp,
    watch: z.array(watch).default([]),
    http: z
      .strictObject({
        /** Largest file accepted by PUT /api/ingest/{name}. */
        maxBytes: z
          .number()
          .int()
          .min(1)
          .default(8 * 1024 ** 3),
      })
      .prefault({}),
  })
  .prefault({});

export type IngestConfig = z.infer<typeof ingestConfigSchema>;
export type FtpConfig = IngestConfig["ftp"];
export type FtpUserConfig = FtpConfig["users"][number];
export type WatchConfig = IngestConfig["watch"][number];

function isRegExp(value: string): boolean {
  try {
    new RegExp(value);
    return true;
  } catch {
    return false;
  }
}

export function parseCidr(
  value: string,
): { address: string; prefix: number; family: "ipv4" | "ipv6" } | null {
  const [address, prefixText] = value.split("/");
  const version = isIP(address ?? "");
  if (version === 0) return null;
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return null;
  return { address: address!, prefix, family: version === 4 ? "ipv4" : "ipv6" };
}

/** The allow-list as a BlockList (used as an allow list); loopback is always allowed. */
export function allowList(networks: string[]): BlockList {
  const list = new BlockList();
  list.addSubnet("127.0.0.0", 8, "ipv4");
  list.addAddress("::1", "ipv6");
  for (const network of networks) {
    const parsed = parseCidr(network);
    if (parsed) list.addSubnet(parsed.address, parsed.prefix, parsed.family);
  }
  return list;
}

/** True when `ip` (as a socket reports it, IPv4-mapped IPv6 included) is in the list. */
export function isAllowed(list: BlockList, ip: string | undefined): boolean {
  if (!ip) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return list.check(mapped[1]!, "ipv4");
  return list.check(ip, isIP(ip) === 6 ? "ipv6" : "ipv4");
}

export function temporaryNameTest(patterns: string[]): (name: string) => boolean {
  const compiled = patterns.map((p) => new RegExp(p));
  return (name) => compiled.some((r) => r.test(name));
}
