// One version everywhere (issue 15): a node whose golden image holds another release than its server's
// takes the server's at boot (`cloudburst upgrade`, the first line of its user data): the bundle over
// the worker protocol with the node's own token, checked against the SHA-256 the server gives,
// unpacked beside its place and made current in one rename, as the playbook installs it. A real
// server on loopback, a real `cloudburst upgrade` process, a bundle made as `npm run release` lays
// one out (cloudburst-VERSION/ with package.json), a throwaway prefix for /opt/cloudburst.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import { createNodeToken } from "../../src/auth/tokens.ts";
import { buildApp } from "../../src/server/app.ts";
import { releaseBundleName, releaseVersion } from "../../src/system/version.ts";
import { runCli, tempDir } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

const newer = "99.1.0";

/** A release bundle of `version` laid out as `npm run release` makes one. */
function makeBundle(dir: string, version: string): string {
  const top = join(dir, `cloudburst-${version}`);
  mkdirSync(join(top, "bin"), { recursive: true });
  writeFileSync(join(top, "package.json"), JSON.stringify({ name: "cloudburst", version }));
  writeFileSync(join(top, "bin", "cloudburst.js"), `console.log("cloudburst ${version}");\n`);
  const file = join(dir, releaseBundleName(version));
  execFileSync("tar", ["-czf", file, "-C", dir, `cloudburst-${version}`]);
  return file;
}

describe("a node takes its server's release at boot", () => {
  let db: TestDatabase;
  let token: string;
  const apps: FastifyInstance[] = [];
  const work = tempDir("cb-upgrade-");

  /** A server on loopback running `version`, with `bundle` to give (or none); its URL. */
  async function server(version: string, bundle: string | null): Promise<string> {
    const app = await buildApp({ pool: db.pool, version, releaseBundle: bundle });
    apps.push(app);
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  }

  const upgrade = (url: string, prefix: string) =>
    runCli(["upgrade", "--prefix", prefix, "--json"], {
      env: { CLOUDBURST_SERVER_URL: url, CLOUDBURST_WORKER_TOKEN: token },
    });

  before(async () => {
    db = await createTestDatabase();
    token = await createNodeToken(db.pool, {
      node: "cb-node-1",
      cycle: "ecmwf/2026120600",
      expiresAt: new Date(Date.now() + 3_600_000),
    });
  });

  after(async () => {
    for (const app of apps) await app.close();
    await db?.drop();
  });

  it("installs the server's release into PREFIX/VERSION and makes it current; again, it only switches", async () => {
    const url = await server(newer, makeBundle(work, newer));
    const prefix = join(work, "opt");
    const first = await upgrade(url, prefix);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(JSON.parse(first.stdout), {
      action: "installed",
      version: newer,
      path: join(prefix, newer),
      previous: releaseVersion(),
    });
    assert.equal(readlinkSync(join(prefix, "current")), newer);
    const installed = JSON.parse(readFileSync(join(prefix, "current", "package.json"), "utf8"));
    assert.equal(installed.version, newer);
    assert.deepEqual(readdirSync(join(prefix, "releases")), [releaseBundleName(newer)], "the bundle is kept");
    assert.deepEqual(readdirSync(prefix).sort(), [newer, "current", "releases"], "no partial left");

    const again = await upgrade(url, prefix);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).action, "switched");
  });

  it("does nothing when the node runs the server's release, with or without a bundle", async () => {
    const url = await server(releaseVersion(), null);
    const prefix = join(work, "same");
    const run = await upgrade(url, prefix);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).action, "current");
    assert.equal(existsSync(prefix), false, "nothing written");
  });

  it("installs nothing from a bundle that is not the one the server hashed", async () => {
    const dir = tempDir("cb-upgrade-altered-");
    const bundle = makeBundle(dir, newer);
    const url = await server(newer, bundle);
    // The server hashes its bundle on first demand; the file then changes under it.
    const described = await fetch(`${url}/api/worker/bundle`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(described.status, 200);
    const fd = openSync(bundle, "r+");
    writeSync(fd, Buffer.from("tampered"), 0, 8, 30);
    closeSync(fd);
    const prefix = join(work, "altered");
    const run = await upgrade(url, prefix);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /has SHA-256 [0-9a-f]{64}, but the server says [0-9a-f]{64}: nothing installed/);
    assert.deepEqual(readdirSync(prefix), ["releases"]);
    assert.deepEqual(readdirSync(join(prefix, "releases")), [], "the download is not kept");
  });

  it("says what to do when the server has no bundle of its other release, or the token is not a node's", async () => {
    const url = await server(newer, null);
    const run = await upgrade(url, join(work, "none"));
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      new RegExp(`the server runs cloudburst ${newer.replaceAll(".", "\\.")} and this node`),
    );
    assert.match(
      run.stderr,
      /no bundle of 99\.1\.0 to give: install the release on the server with the playbook/,
    );

    const refused = await runCli([
      "upgrade",
      "--prefix",
      join(work, "none"),
      "--server",
      url,
      "--token",
      "cb_wrong",
    ]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /answered 401/);
  });
});
