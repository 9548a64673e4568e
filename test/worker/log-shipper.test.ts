// The worker's log on its way to the data role: batched, kept while the server is out of reach, bounded
// (the oldest lines go first, and the loss is said in the log), and sent on stop.
import assert from "node:assert/strict";
import { test } from "node:test";
import { LogShipper, logBatchLines } from "../../src/worker/log-shipper.ts";
import type { NodeLogLine } from "../../src/worker/protocol.ts";

test("lines wait while the server is out of reach; the oldest beyond the bound are dropped and counted", async () => {
  const sent: NodeLogLine[][] = [];
  let reachable = false;
  const shipper = new LogShipper(
    async (lines) => {
      if (!reachable) throw new Error("connection refused");
      sent.push(lines);
    },
    { intervalMs: 3_600_000, maxLines: 3 },
  );
  for (const text of ["a", "b", "c", "d", "e"]) shipper.line(text);
  await shipper.flush();
  assert.equal(sent.length, 0, "nothing reached the server");
  reachable = true;
  await shipper.stop();
  assert.deepEqual(
    sent.flat().map((l) => l.line),
    ["(2 log lines lost while the server was out of reach)", "c", "d", "e"],
  );
  for (const line of sent.flat()) assert.ok(!Number.isNaN(Date.parse(line.at)));
});

test("a long log goes in batches the protocol accepts", async () => {
  const sent: NodeLogLine[][] = [];
  const shipper = new LogShipper(async (lines) => void sent.push(lines), { intervalMs: 3_600_000 });
  for (let i = 0; i < 1200; i++) shipper.line(`line ${i}`);
  await shipper.stop();
  assert.ok(sent.every((batch) => batch.length <= logBatchLines));
  assert.deepEqual(
    sent.flat().map((l) => l.line),
    Array.from({ length: 1200 }, (_, i) => `line ${i}`),
  );
});
