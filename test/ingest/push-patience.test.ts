// ECMWF's simulated push keeps trying a data server that refuses connections (one that is starting or
// restarting) for --patience seconds, then fails with one line saying what to do.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { CompletedUpload } from "../../src/ingest/receivers/ftp.ts";
import { freePort } from "../../src/system/processes.ts";
import { runCli } from "../helpers/cli.ts";
import { startTestReceiver } from "./ftp-receiver.ts";

const env = { DELIVERY_PASSWORD: "push-password-1" };
const push = (port: number, ...more: string[]) =>
  runCli(
    [
      "sim",
      "ecmwf",
      "--to",
      `ftp://ecmwf@127.0.0.1:${port}/`,
      "--steps",
      "0",
      "--grid",
      "2",
      "--time-factor",
      "inf",
      ...more,
    ],
    { env },
  );

describe("sim ecmwf against a data server that is not up", () => {
  it("waits for it with backoff and pushes once it listens", async () => {
    const port = await freePort();
    const pushing = push(port);
    // Longer than the delivery's own retries last (at most 15.5 s): only waiting on refusals gets there.
    await sleep(17_000);
    const received: CompletedUpload[] = [];
    const receiver = await startTestReceiver({
      user: "ecmwf",
      passwordEnv: "DELIVERY_PASSWORD",
      env,
      port,
      onComplete: (upload) => received.push(upload),
    });
    try {
      const result = await pushing;
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /connection refused; trying again for up to 300 s/);
      assert.match(result.stderr, /connected after \d+\.\d s of refusals/);
      assert.deepEqual(
        received.map((r) => r.name),
        [result.stdout.split(/\s+/)[3]],
      );
    } finally {
      await receiver.stop();
    }
  });

  it("gives up after --patience seconds with one line and what to do", async () => {
    const result = await push(await freePort(), "--patience", "2");
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^cloudburst: ftp:\/\/ecmwf@127\.0\.0\.1:\d+\/ refused every connection for 2 s \(.*ECONNREFUSED.*\)$/m,
    );
    assert.match(result.stderr, /what to do: start the receiving server/);
    assert.doesNotMatch(result.stderr, /^\s+at /m);
  });
});
