// API bearer tokens: created once and shown once; only their SHA-256 hash is stored. An operator's token
// opens the whole API; a compute node's token only the worker protocol, and the data server's only its
// settings from the control role, for one cycle, until it expires.
import { createHash, randomBytes } from "node:crypto";
import type pg from "pg";

/**
 * What a token may do: `operator` the whole API, `worker` the worker protocol only, `data` the data
 * role's settings and the release bundle only (the data server's boot).
 */
export type TokenScope = "operator" | "worker" | "data";

export interface TokenInfo {
  name: string;
  scope: TokenScope;
  expiresAt: Date | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const tokenPrefix = "cb_";

export function hashToken(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

/** Creates a token named `name` and returns it; it cannot be read back later. */
export async function createToken(pool: pg.Pool, name: string): Promise<string> {
  const token = tokenPrefix + randomBytes(32).toString("base64url");
  try {
    await pool.query("insert into api_token (name, token_hash) values ($1, $2)", [name, hashToken(token)]);
  } catch (error) {
    if ((error as { code?: string }).code === "23505") {
      throw new Error(`a token named "${name}" exists already; revoke it first or choose another name`);
    }
    throw error;
  }
  return token;
}

/** A live token: its name and scope. */
export interface VerifiedToken {
  name: string;
  scope: TokenScope;
  /** The compute node a worker token belongs to; null for an operator's. */
  node: string | null;
}

/** The live (not revoked, not expired) token that `token` is, or null. */
export async function verifyToken(pool: pg.Pool, token: string): Promise<VerifiedToken | null> {
  if (!token.startsWith(tokenPrefix)) return null;
  const result = await pool.query<VerifiedToken>(
    `update api_token set last_used_at = now()
      where token_hash = $1 and revoked_at is null and (expires_at is null or expires_at > now())
      returning name, scope, node`,
    [hashToken(token)],
  );
  return result.rows[0] ?? null;
}

/**
 * A node's token for `cycle`, until `expiresAt`: a compute node's (`worker`, the default) or the data
 * server's (`data`). A node started again gets a new one (its name is the node's, made unique by the
 * time of its creation).
 */
export async function createNodeToken(
  pool: pg.Pool,
  grant: { node: string; cycle: string; expiresAt: Date; scope?: "worker" | "data" },
): Promise<string> {
  const token = tokenPrefix + randomBytes(32).toString("base64url");
  await pool.query(
    `insert into api_token (name, token_hash, scope, expires_at, node, cycle)
     values ($1, $2, $3, $4, $5, $6)`,
    [
      `node:${grant.node}:${Date.now().toString(36)}`,
      hashToken(token),
      grant.scope ?? "worker",
      grant.expiresAt,
      grant.node,
      grant.cycle,
    ],
  );
  return token;
}

/** A node's token was minted under the name the fleet asked for; the provider may name it otherwise. */
export async function renameNodeTokens(pool: pg.Pool, from: string, to: string): Promise<void> {
  if (from !== to) await pool.query("update api_token set node = $2 where node = $1", [from, to]);
}

/** Revokes the live tokens of a cycle's nodes (the cycle ended) or of one node (it was destroyed). */
export async function revokeNodeTokens(
  pool: pg.Pool,
  which: { cycle: string } | { node: string },
): Promise<number> {
  const result =
    "cycle" in which
      ? await pool.query("update api_token set revoked_at = now() where cycle = $1 and revoked_at is null", [
          which.cycle,
        ])
      : await pool.query("update api_token set revoked_at = now() where node = $1 and revoked_at is null", [
          which.node,
        ]);
  return result.rowCount ?? 0;
}

export async function listTokens(pool: pg.Pool): Promise<TokenInfo[]> {
  const result = await pool.query<TokenInfo>(
    `select name, scope, expires_at as "expiresAt", created_at as "createdAt", last_used_at as "lastUsedAt",
            revoked_at as "revokedAt"
       from api_token order by created_at`,
  );
  return result.rows;
}

/** Revokes the token; returns false when there is no live token by that name. */
export async function revokeToken(pool: pg.Pool, name: string): Promise<boolean> {
  const result = await pool.query(
    "update api_token set revoked_at = now() where name = $1 and revoked_at is null",
    [name],
  );
  return result.rowCount === 1;
}
