// API bearer tokens: created once and shown once; only their SHA-256 hash is stored.
import { createHash, randomBytes } from "node:crypto";
import type pg from "pg";

export interface TokenInfo {
  name: string;
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

/** The name of the live token that `token` is, or null. */
export async function verifyToken(pool: pg.Pool, token: string): Promise<string | null> {
  if (!token.startsWith(tokenPrefix)) return null;
  const result = await pool.query<{ name: string }>(
    "update api_token set last_used_at = now() where token_hash = $1 and revoked_at is null returning name",
    [hashToken(token)],
  );
  return result.rows[0]?.name ?? null;
}

export async function listTokens(pool: pg.Pool): Promise<TokenInfo[]> {
  const result = await pool.query<TokenInfo>(
    `select name, created_at as "createdAt", last_used_at as "lastUsedAt", revoked_at as "revokedAt"
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
