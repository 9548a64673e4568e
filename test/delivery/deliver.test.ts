import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Client } from "basic-ftp";
import { FtpSrv } from "ftp-srv";
import { deliver, deliveryItem, push, pushItem, temporaryName } from "../../src/delivery/deliver.ts";
import { type Destination, TransientDeliveryError } from "../../src/delivery/destination.ts";
import { directoryDestination } from "../../src/delivery/directory.ts";
import { destinationFromUrl } from "../../src/delivery/url.ts";
import { runCli, tempDir } from "../helpers/cli.ts";

/** A password made up for this run. */
const ftpPassword = randomBytes(12).toString("base64url");

const fast = { attempts: 4, baseMs: 1, maxMs: 5 };

function product(bytes = 256 * 1024): { path: string; data: Buffer } {
  const data = randomBytes(bytes);
  const path = join(tempDir(), "T-K_pressure_850_rll_100_100_0_006.grib");
  writeFileSync(path, data);
  return { path, data };
}

/** Wraps a destination so that its first write stops half-way, as when the connection drops. */
function droppingFirstWrite(inner: Destination): Destination & { writes: number } {
  const wrapper = {
    ...inner,
    writes: 0,
    async write(item: Parameters<Destination["write"]>[0], start: number, path: string) {
      wrapper.writes++;
      if (wrapper.writes > 1) return inner.write(item, start, path);
      const half = join(tempDir(), "half");
      const bytes = readFileSync(item.localPath);
      writeFileSync(half, bytes.subarray(0, bytes.length / 2));
      await inner.write({ ...item, localPath: half }, start, path);
      throw new TransientDeliveryError("connection reset by peer");
    },
  };
  return wrapper;
}

describe("delivery to a directory", () => {
  it("delivers under a temporary name, verifies and renames", async () => {
    const root = tempDir();
    const { path, data } = product();
    const item = await deliveryItem(path, "06/product.grib");
    const receipt = await deliver(directoryDestination(root), item, fast);
    assert.deepEqual(readFileSync(join(root, "06/product.grib")), data);
    assert.equal(receipt.attempts, 1);
    assert.equal(receipt.alreadyPresent, false);
    assert.deepEqual(readdirSync(join(root, "06")), ["product.grib"]);
    const again = await deliver(directoryDestination(root), item, fast);
    assert.equal(again.alreadyPresent, true);
  });

  it("resumes after a dropped connection from the bytes already there", async () => {
    const root = tempDir();
    const { path, data } = product();
    const destination = droppingFirstWrite(directoryDestination(root));
    const receipt = await deliver(destination, await deliveryItem(path, "p.grib"), fast);
    assert.equal(receipt.attempts, 2);
    assert.equal(receipt.resumedFrom, data.length / 2);
    assert.deepEqual(readFileSync(join(root, "p.grib")), data);
  });

  it("pushes as ECMWF does: temporary name, resume, rename, and nothing read back", async () => {
    const root = tempDir();
    const { path, data } = product();
    const destination = droppingFirstWrite(directoryDestination(root));
    let readBack = 0;
    const counting: Destination = {
      ...destination,
      async checksum(name) {
        readBack++;
        return destination.checksum(name);
      },
    };
    const receipt = await push(counting, await pushItem(path, "06/A1D11240000112406001"), fast);
    assert.equal(receipt.attempts, 2);
    assert.equal(receipt.resumedFrom, data.length / 2);
    assert.equal(readBack, 0);
    assert.deepEqual(readFileSync(join(root, "06/A1D11240000112406001")), data);
    assert.deepEqual(readdirSync(join(root, "06")), ["A1D11240000112406001"]);
  });

  it("discards a corrupt partial and sends the file again whole", async () => {
    const root = tempDir();
    const { path, data } = product();
    writeFileSync(join(root, temporaryName("p.grib")), randomBytes(1000));
    const receipt = await deliver(directoryDestination(root), await deliveryItem(path, "p.grib"), fast);
    assert.equal(receipt.attempts, 2);
    assert.equal(receipt.resumedFrom, 0);
    assert.deepEqual(readFileSync(join(root, "p.grib")), data);
  });

  it("gives up after the policy's attempts, leaving nothing under the final name", async () => {
    const root = tempDir();
    const { path } = product(1000);
    const broken: Destination = {
      ...directoryDestination(root),
      async write() {
        throw new TransientDeliveryError("no route to host");
      },
    };
    await assert.rejects(deliver(broken, await deliveryItem(path, "p.grib"), fast), /no route to host/);
    assert.equal(existsSync(join(root, "p.grib")), false);
  });

  it("refuses a name that leaves the destination", async () => {
    const { path } = product(10);
    await assert.rejects(
      deliver(directoryDestination(tempDir()), await deliveryItem(path, "../evil"), fast),
      /leaves/,
    );
  });
});

describe("delivery to a real FTP server", () => {
  const root = tempDir();
  let server: FtpSrv;
  let port: number;
  before(async () => {
    port = 21000 + Math.floor(Math.random() * 20000);
    server = new FtpSrv({
      url: `ftp://127.0.0.1:${port}`,
      pasv_url: "127.0.0.1",
      pasv_min: port + 1,
      pasv_max: port + 50,
      anonymous: false,
      log: {
        info() {},
        debug() {},
        trace() {},
        warn() {},
        error() {},
        child() {
          return this;
        },
      } as never,
    });
    server.on("login", ({ username, password }, resolve, reject) => {
      if (username === "products" && password === ftpPassword) resolve({ root });
      else reject(new Error("bad credentials"));
    });
    await server.listen();
  });
  after(() => server.close());

  it("uploads, resumes a partial with APPE, verifies and renames", async () => {
    const { path, data } = product();
    const client = new Client();
    await client.access({ host: "127.0.0.1", port, user: "products", password: ftpPassword });
    const partial = join(tempDir(), "partial");
    writeFileSync(partial, data.subarray(0, 100_000));
    await client.ensureDir("/out");
    await client.uploadFrom(partial, `/out/${temporaryName("p.grib")}`);
    client.close();

    const destination = destinationFromUrl(`ftp://products@127.0.0.1:${port}/out`, {
      DELIVERY_PASSWORD: ftpPassword,
    });
    const receipt = await deliver(destination, await deliveryItem(path, "p.grib"), fast);
    await destination.close();
    assert.equal(receipt.resumedFrom, 100_000);
    assert.deepEqual(readFileSync(join(root, "out/p.grib")), data);
    assert.equal(existsSync(join(root, "out", temporaryName("p.grib"))), false);
  });

  it("does not retry a refused login, and never prints the password", async () => {
    const { path } = product(100);
    const result = await runCli(["deliver", path, "--to", `ftp://products@127.0.0.1:${port}/x`, "--json"], {
      env: { DELIVERY_PASSWORD: "wrong-password" },
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /530|login|credentials/i);
    assert.doesNotMatch(result.stderr + result.stdout, /wrong-password/);
    assert.doesNotMatch(result.stderr, /retrying/);
  });

  it("`cloudburst deliver` reports receipts as JSON", async () => {
    const { path, data } = product(5000);
    const result = await runCli(
      ["deliver", path, "--to", `ftp://products@127.0.0.1:${port}/cli`, "--dir", "06", "--json"],
      {
        env: { DELIVERY_PASSWORD: ftpPassword },
      },
    );
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { receipts: Array<{ name: string; bytes: number }> };
    assert.equal(report.receipts[0]?.bytes, 5000);
    assert.deepEqual(readFileSync(join(root, "cli/06", report.receipts[0]!.name.split("/").pop()!)), data);
  });

  it("rejects a password inside the URL", () => {
    assert.throws(() => destinationFromUrl("ftp://u:pw@127.0.0.1/x"), /DELIVERY_PASSWORD/);
  });
});
