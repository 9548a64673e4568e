import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { deliver, deliveryItem, temporaryName } from "../../src/delivery/deliver.ts";
import { TransientDeliveryError } from "../../src/delivery/destination.ts";
import { destinationFromUrl } from "../../src/delivery/url.ts";
import { runCli } from "../helpers/cli.ts";
import {
  assertDeliversAndReplaces,
  assertRetriedUntilServerIsBack,
  fast,
  product,
  retries,
} from "../helpers/delivery.ts";
import { type Nginx, startNginx } from "../helpers/nginx.ts";
import { cuttingRelay } from "../helpers/servers.ts";

describe("delivery to a real nginx over HTTP (WebDAV)", () => {
  let nginx: Nginx;
  let env: NodeJS.ProcessEnv;
  let run = 0;
  /** A fresh collection for each test: its URL and where nginx keeps its files. */
  function collection(port = nginx.port, scheme = "http"): { url: string; dir: string } {
    const name = `out${++run}`;
    return { url: `${scheme}://${nginx.user}@127.0.0.1:${port}/${name}/`, dir: join(nginx.root, name) };
  }
  before(async () => {
    nginx = await startNginx();
    env = { DELIVERY_PASSWORD: nginx.password };
  });
  after(() => nginx.stop());

  it("makes the collections, writes under a temporary name, verifies, moves, and finds it there the second time", async () => {
    const { url, dir } = collection();
    // A new version replaces the old one with MOVE and Overwrite: T.
    await assertDeliversAndReplaces(destinationFromUrl(url, env), dir);
  });

  it("sends the file again whole after the connection drops mid-PUT", async () => {
    const { url, dir } = collection();
    const { path, data } = product(1024 * 1024);
    const relay = await cuttingRelay(nginx.port);
    const destination = destinationFromUrl(url.replace(`:${nginx.port}/`, `:${relay.port}/`), env);
    relay.cutAfter(400_000);
    const { errors, onRetry } = retries();
    const receipt = await deliver(destination, await deliveryItem(path, "p.grib"), fast, onRetry);
    await destination.close();
    await relay.close();
    assert.equal(relay.cuts, 1);
    assert.equal(receipt.attempts, 2);
    assert.ok(errors[0] instanceof TransientDeliveryError, String(errors[0]));
    assert.match(errors[0].message, /^PUT http:\/\/products@127\.0\.0\.1:\d+\/out\d+\/\.p\.grib\.part: /);
    // nginx keeps nothing of an interrupted PUT, so there was nothing to resume from.
    assert.equal(receipt.resumedFrom, 0);
    assert.deepEqual(readFileSync(join(dir, "p.grib")), data);
    assert.deepEqual(readdirSync(dir), ["p.grib"]);
  });

  it("removes a partial the server cannot append to (no partial PUT) and sends the file whole", async () => {
    const { url, dir } = collection();
    const { path, data } = product(100_000);
    mkdirSync(dir);
    writeFileSync(join(dir, temporaryName("p.grib")), data.subarray(0, 40_000));
    const destination = destinationFromUrl(url, env);
    const { errors, onRetry } = retries();
    const receipt = await deliver(destination, await deliveryItem(path, "p.grib"), fast, onRetry);
    assert.equal(receipt.attempts, 2);
    assert.equal(receipt.resumedFrom, 0);
    assert.match(errors[0]!.message, /Content-Range: 501.*no partial PUT/);
    assert.deepEqual(readFileSync(join(dir, "p.grib")), data);
    assert.deepEqual(readdirSync(dir), ["p.grib"]);

    // Once known, a partial is discarded without trying the PUT again.
    writeFileSync(join(dir, temporaryName("q.grib")), data.subarray(0, 40_000));
    const next = await deliver(destination, await deliveryItem(path, "q.grib"), fast, onRetry);
    await destination.close();
    assert.equal(next.attempts, 2);
    assert.match(errors[1]!.message, /removed to send the file whole/);
    assert.deepEqual(readFileSync(join(dir, "q.grib")), data);
  });

  it("discards a corrupt partial of the full size and sends the file again", async () => {
    const { url, dir } = collection();
    const { path, data } = product(5000);
    mkdirSync(dir);
    writeFileSync(join(dir, temporaryName("p.grib")), randomBytes(5000));
    const destination = destinationFromUrl(url, env);
    const receipt = await deliver(destination, await deliveryItem(path, "p.grib"), fast);
    await destination.close();
    assert.equal(receipt.attempts, 2);
    assert.deepEqual(readFileSync(join(dir, "p.grib")), data);
  });

  it("does not retry a refused password, names the URL and never the password", async () => {
    const { url, dir } = collection();
    const { path } = product(100);
    const password = randomBytes(12).toString("base64url");
    const { errors, onRetry } = retries();
    const destination = destinationFromUrl(url, { DELIVERY_PASSWORD: password });
    await assert.rejects(
      deliver(destination, await deliveryItem(path, "p.grib"), fast, onRetry),
      (error: Error) => {
        assert.ok(!(error instanceof TransientDeliveryError));
        assert.match(
          error.message,
          /^HEAD http:\/\/products@127\.0\.0\.1:\d+\/out\d+\/p\.grib: 401 Unauthorized/,
        );
        assert.match(error.message, /DELIVERY_PASSWORD/);
        assert.ok(!error.message.includes(password));
        return true;
      },
    );
    await destination.close();
    assert.equal(errors.length, 0);
    assert.equal(existsSync(dir), false);

    const result = await runCli(["deliver", path, "--to", url, "--json"], {
      env: { DELIVERY_PASSWORD: password },
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /401/);
    assert.doesNotMatch(result.stderr + result.stdout, new RegExp(password));
    assert.doesNotMatch(result.stderr, /retrying/);
  });

  it("retries while the server is down and delivers once it is back", async () => {
    const { url, dir } = collection();
    await assertRetriedUntilServerIsBack(nginx, () => destinationFromUrl(url, env), dir);
  });

  it("delivers over HTTPS to a self-signed certificate only with ?insecure=1", async () => {
    const { url, dir } = collection(nginx.tlsPort, "https");
    const { path, data } = product(20_000);
    const { errors, onRetry } = retries();
    const strict = destinationFromUrl(url, env);
    await assert.rejects(
      deliver(strict, await deliveryItem(path, "p.grib"), fast, onRetry),
      /not trusted; \?insecure=1 accepts a self-signed one/,
    );
    await strict.close();
    assert.equal(errors.length, 0);
    const insecure = destinationFromUrl(`${url}?insecure=1`, env);
    await deliver(insecure, await deliveryItem(path, "p.grib"), fast);
    await insecure.close();
    assert.deepEqual(readFileSync(join(dir, "p.grib")), data);
  });
});

describe("http:// and https:// destination URLs", () => {
  it("take the password from the environment only", () => {
    assert.throws(() => destinationFromUrl("https://u:pw@127.0.0.1/x/", {}), /DELIVERY_PASSWORD, not in the/);
    assert.throws(
      () => destinationFromUrl("https://u@127.0.0.1/x/", {}),
      /DELIVERY_PASSWORD.*DELIVERY_TOKEN/,
    );
    const token = destinationFromUrl("https://127.0.0.1:8443/data", {
      DELIVERY_TOKEN: randomBytes(8).toString("hex"),
    });
    assert.equal(token.label, "https://127.0.0.1:8443/data/");
  });

  it("know insecure=1 on https:// only", () => {
    const env = { DELIVERY_PASSWORD: randomBytes(9).toString("base64url") };
    assert.throws(
      () => destinationFromUrl("http://u@127.0.0.1/x/?insecure=1", env),
      /unknown http:\/\/ URL parameter/,
    );
    assert.throws(
      () => destinationFromUrl("https://u@127.0.0.1/x/?hostkey=1", env),
      /unknown https:\/\/ URL parameter/,
    );
    assert.throws(() => destinationFromUrl("gopher://u@127.0.0.1/x", env), /http:\/\/user@host:port\/path\//);
  });
});
