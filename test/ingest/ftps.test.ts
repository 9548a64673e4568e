// Optional FTPS: explicit TLS (AUTH TLS) on the FTP receiver, with a certificate made for the test.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Client } from "basic-ftp";
import { ingestConfigSchema } from "../../src/ingest/config.ts";
import { type CompletedUpload, startFtpReceiver } from "../../src/ingest/receivers/ftp.ts";
import { tempDir } from "../helpers/cli.ts";

/** A password made up for this run. */
const ftpsPassword = randomBytes(12).toString("base64url");

const sample = join(import.meta.dirname, "../../../shared/data/himan-dev/iasi/source.grib");

/** A receiver with FTPS on a certificate made for the test; `required` as given (default: the config's). */
async function startFtpsReceiver(required?: boolean) {
  const dir = tempDir("cb-ftps-");
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1"].concat([
      "-subj",
      "/CN=127.0.0.1",
    ]),
    { stdio: "ignore" },
  );
  const pasv = 47000 + Math.floor(Math.random() * 1000);
  const config = ingestConfigSchema.parse({
    ftp: {
      enabled: true,
      host: "127.0.0.1",
      port: 0,
      passive: { url: "127.0.0.1", minPort: pasv, maxPort: pasv + 20 },
      tls: { cert, key, ...(required === undefined ? {} : { required }) },
      users: [{ name: "ecmwf", passwordEnv: "FTPS_TEST_PASSWORD" }],
    },
  });
  const uploads: CompletedUpload[] = [];
  const receiver = await startFtpReceiver({
    config: config.ftp,
    rootDir: join(dir, "ftp"),
    isTemporary: (name) => name.endsWith(".tmp"),
    onComplete: (upload) => uploads.push(upload),
    logger: { info() {}, warn() {}, error() {} },
    env: { FTPS_TEST_PASSWORD: ftpsPassword },
  });
  return { receiver, uploads };
}

test("an upload over explicit FTPS arrives complete and is handed over on rename", async () => {
  const { receiver, uploads } = await startFtpsReceiver();
  try {
    const client = new Client(10_000);
    await client.access({
      host: "127.0.0.1",
      port: receiver.port,
      user: "ecmwf",
      password: ftpsPassword,
      secure: true,
      secureOptions: { rejectUnauthorized: false },
    });
    await client.uploadFrom(sample, "A1D04241046042410461.tmp");
    assert.equal(uploads.length, 0);
    await client.rename("A1D04241046042410461.tmp", "A1D04241046042410461");
    client.close();
    assert.equal(uploads.length, 1);
    assert.equal(uploads[0]!.name, "A1D04241046042410461");
    assert.deepEqual(readFileSync(uploads[0]!.path), readFileSync(sample));
  } finally {
    await receiver.stop();
  }
});

test("with FTPS configured, a plain login is refused (no password in clear) unless tls.required is false", async () => {
  const plainLogin = async (port: number) => {
    const client = new Client(10_000);
    try {
      await client.access({ host: "127.0.0.1", port, user: "ecmwf", password: ftpsPassword });
      return "logged in";
    } catch (error) {
      return (error as Error).message;
    } finally {
      client.close();
    }
  };
  const strict = await startFtpsReceiver();
  try {
    assert.match(await plainLogin(strict.receiver.port), /^530 .*FTPS only: say AUTH TLS/);
  } finally {
    await strict.receiver.stop();
  }
  const lenient = await startFtpsReceiver(false);
  try {
    assert.equal(await plainLogin(lenient.receiver.port), "logged in");
  } finally {
    await lenient.receiver.stop();
  }
});
