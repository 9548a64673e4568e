import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { deliver, deliveryItem, temporaryName } from "../../src/delivery/deliver.ts";
import { TransientDeliveryError } from "../../src/delivery/destination.ts";
import { hostKeyFingerprint } from "../../src/delivery/sftp.ts";
import { destinationFromUrl } from "../../src/delivery/url.ts";
import { runCli, tempDir } from "../helpers/cli.ts";
import {
  assertDeliversAndReplaces,
  assertRetriedUntilServerIsBack,
  fast,
  product,
  retries,
} from "../helpers/delivery.ts";
import { cuttingRelay } from "../helpers/servers.ts";
import { type Sshd, startSshd } from "../helpers/sshd.ts";

function sftpUrl(sshd: Sshd, root: string, port = sshd.port, hostKey = sshd.hostKeyFingerprint): string {
  return `sftp://${sshd.user}@127.0.0.1:${port}${root}?hostkey=${encodeURIComponent(hostKey)}`;
}

function otherKey(): string {
  const path = join(tempDir(), "key");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path]);
  return path;
}

describe("delivery to a real OpenSSH server over SFTP", () => {
  let sshd: Sshd;
  let keyEnv: NodeJS.ProcessEnv;
  before(async () => {
    sshd = await startSshd();
    keyEnv = { DELIVERY_SSH_KEY: sshd.clientKeyPath };
  });
  after(() => sshd.stop());

  it("writes under a temporary name, verifies, renames, and finds it already there the second time", async () => {
    const root = tempDir();
    await assertDeliversAndReplaces(destinationFromUrl(sftpUrl(sshd, root), keyEnv), root);
  });

  it("resumes a partial after the connection drops, sending only the bytes from there on", async () => {
    const root = tempDir();
    const { path, data } = product(1024 * 1024);
    const relay = await cuttingRelay(sshd.port);
    const destination = destinationFromUrl(sftpUrl(sshd, root, relay.port), keyEnv);
    relay.cutAfter(400_000);
    const { errors, onRetry } = retries();
    const receipt = await deliver(destination, await deliveryItem(path, "p.grib"), fast, onRetry);
    await destination.close();
    await relay.close();
    assert.equal(relay.cuts, 1);
    assert.equal(receipt.attempts, 2);
    assert.ok(errors[0] instanceof TransientDeliveryError, String(errors[0]));
    assert.ok(
      receipt.resumedFrom > 0 && receipt.resumedFrom < data.length,
      `resumed from ${receipt.resumedFrom}`,
    );
    assert.deepEqual(readFileSync(join(root, "p.grib")), data);
    assert.equal(existsSync(join(root, temporaryName("p.grib"))), false);
  });

  it("discards a corrupt partial and sends the file again whole", async () => {
    const root = tempDir();
    const { path, data } = product(5000);
    writeFileSync(join(root, temporaryName("p.grib")), randomBytes(1000));
    const destination = destinationFromUrl(sftpUrl(sshd, root), keyEnv);
    const receipt = await deliver(destination, await deliveryItem(path, "p.grib"), fast);
    await destination.close();
    assert.equal(receipt.attempts, 2);
    assert.equal(receipt.resumedFrom, 0);
    assert.deepEqual(readFileSync(join(root, "p.grib")), data);
  });

  it("computes host key fingerprints as ssh-keygen does and accepts keys from a hashed known_hosts file", async () => {
    const [, , base64] = sshd.knownHostsLine.trim().split(" ");
    assert.equal(hostKeyFingerprint(Buffer.from(base64!, "base64")), sshd.hostKeyFingerprint);
    const knownHosts = join(tempDir(), "known_hosts");
    writeFileSync(
      knownHosts,
      `# pinned for the test\nexample.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE\n${sshd.knownHostsLine}`,
    );
    execFileSync("ssh-keygen", ["-H", "-f", knownHosts], { stdio: "ignore" });
    assert.doesNotMatch(readFileSync(knownHosts, "utf8"), /127\.0\.0\.1/);
    const root = tempDir();
    const { path, data } = product(3000);
    const destination = destinationFromUrl(`sftp://${sshd.user}@127.0.0.1:${sshd.port}${root}`, {
      ...keyEnv,
      DELIVERY_KNOWN_HOSTS: knownHosts,
    });
    await deliver(destination, await deliveryItem(path, "p.grib"), fast);
    await destination.close();
    assert.deepEqual(readFileSync(join(root, "p.grib")), data);
  });

  it("refuses a host key that is not the pinned one, without retrying, and says how to pin it", async () => {
    const root = tempDir();
    const { path } = product(100);
    const wrong = `SHA256:${randomBytes(32).toString("base64").replace(/=+$/, "")}`;
    const { errors, onRetry } = retries();
    const destination = destinationFromUrl(sftpUrl(sshd, root, sshd.port, wrong), keyEnv);
    await assert.rejects(
      deliver(destination, await deliveryItem(path, "p.grib"), fast, onRetry),
      (error: Error) => {
        assert.ok(!(error instanceof TransientDeliveryError));
        assert.ok(
          error.message.includes(`refusing the server's host key ${sshd.hostKeyFingerprint}`),
          error.message,
        );
        assert.ok(error.message.includes(`the pinned ${wrong}`), error.message);
        assert.ok(error.message.includes(`?hostkey=${sshd.hostKeyFingerprint}`), error.message);
        return true;
      },
    );
    assert.equal(errors.length, 0);

    // A known_hosts file that knows another key for this host is no better.
    const knownHosts = join(tempDir(), "known_hosts");
    writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ${readFileSync(`${otherKey()}.pub`, "utf8")}`);
    const unpinned = destinationFromUrl(`sftp://${sshd.user}@127.0.0.1:${sshd.port}${root}`, {
      ...keyEnv,
      DELIVERY_KNOWN_HOSTS: knownHosts,
    });
    await assert.rejects(
      deliver(unpinned, await deliveryItem(path, "p.grib"), fast, onRetry),
      /DELIVERY_KNOWN_HOSTS/,
    );
    assert.equal(errors.length, 0);
    assert.deepEqual(readdirSync(root), []);
  });

  it("refuses to connect when no host key is pinned at all", async () => {
    const { path } = product(100);
    const destination = destinationFromUrl(`sftp://${sshd.user}@127.0.0.1:${sshd.port}${tempDir()}`, keyEnv);
    await assert.rejects(
      deliver(destination, await deliveryItem(path, "p.grib"), fast),
      new RegExp(`no host key is pinned.*hostkey=${sshd.hostKeyFingerprint.replace(/[+/]/g, "\\$&")}`),
    );
  });

  it("does not retry a refused key or password", async () => {
    const { path } = product(100);
    const { errors, onRetry } = retries();
    const url = sftpUrl(sshd, tempDir());
    const wrongKey = destinationFromUrl(url, { DELIVERY_SSH_KEY: otherKey() });
    await assert.rejects(
      deliver(wrongKey, await deliveryItem(path, "p.grib"), fast, onRetry),
      /refused the login/,
    );
    const wrongPassword = destinationFromUrl(url, {
      DELIVERY_PASSWORD: randomBytes(12).toString("base64url"),
    });
    await assert.rejects(
      deliver(wrongPassword, await deliveryItem(path, "p.grib"), fast, onRetry),
      /refused the login/,
    );
    assert.equal(errors.length, 0);
  });

  it("`cloudburst deliver` fails at once on a refused password and never prints it", async () => {
    const { path } = product(100);
    const password = randomBytes(12).toString("base64url");
    const result = await runCli(["deliver", path, "--to", sftpUrl(sshd, tempDir()), "--json"], {
      env: { DELIVERY_PASSWORD: password },
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /refused the login/);
    assert.doesNotMatch(result.stderr + result.stdout, new RegExp(password));
    assert.doesNotMatch(result.stderr, /retrying/);
  });

  it("retries while the server is down and delivers once it is back", async () => {
    const root = tempDir();
    await assertRetriedUntilServerIsBack(sshd, () => destinationFromUrl(sftpUrl(sshd, root), keyEnv), root);
  });
});

describe("sftp:// destination URLs", () => {
  const fingerprint = `SHA256:${"a+b/".repeat(10)}abc`;
  const env = { DELIVERY_PASSWORD: randomBytes(9).toString("base64url") };

  it("need a user and a key or password, never a password in the URL", () => {
    assert.throws(() => destinationFromUrl("sftp://u:pw@127.0.0.1/x", env), /DELIVERY_PASSWORD, not in the/);
    assert.throws(() => destinationFromUrl("sftp://127.0.0.1/x", env), /need a user/);
    assert.throws(
      () => destinationFromUrl("sftp://u@127.0.0.1/x", {}),
      /DELIVERY_SSH_KEY.*DELIVERY_PASSWORD/,
    );
    assert.throws(
      () => destinationFromUrl("sftp://u@127.0.0.1/x", { DELIVERY_SSH_KEY: join(tempDir(), "missing") }),
      /cannot read DELIVERY_SSH_KEY/,
    );
    assert.throws(
      () =>
        destinationFromUrl("sftp://u@127.0.0.1/x", { ...env, DELIVERY_KNOWN_HOSTS: join(tempDir(), "none") }),
      /cannot read DELIVERY_KNOWN_HOSTS/,
    );
  });

  it("take OpenSSH fingerprints, even with an unescaped + in the query", () => {
    const destination = destinationFromUrl(`sftp://u@127.0.0.1:2222/data/out?hostkey=${fingerprint}`, env);
    assert.equal(destination.label, "sftp://u@127.0.0.1:2222/data/out");
    assert.throws(
      () => destinationFromUrl("sftp://u@127.0.0.1/x?hostkey=MD5:aa:bb", env),
      /not an OpenSSH SHA-256/,
    );
    assert.throws(
      () => destinationFromUrl("sftp://u@127.0.0.1/x?insecure=1", env),
      /unknown sftp:\/\/ URL parameter/,
    );
  });

  it("are listed among the schemes in errors", () => {
    assert.throws(() => destinationFromUrl("gopher://u@127.0.0.1/x", env), /sftp:\/\/user@host:port\/dir/);
  });
});
