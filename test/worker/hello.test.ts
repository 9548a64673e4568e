// A compute node's first call, hello, met a server without its database (a PostgreSQL restart: 500)
// or not answering yet, and the worker gave up at once: on a cloud node the VM ran on without a worker
// and the cycle waited for it for good (the fault harness's provider runs). hello is now retried as
// every other call of the node is, while the failure is one that passes; a refusal is not retried.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import { releaseVersion } from "../../src/system/version.ts";
import { ServerClient, ServerRequestError } from "../../src/worker/server-client.ts";

/** A data role on loopback whose hello answers `statuses` in turn, then 200. */
async function dataRole(statuses: number[]): Promise<{ url: string; calls: () => number; server: Server }> {
  let calls = 0;
  const server = createServer((req, res) => {
    req.resume();
    const status = req.url === "/api/worker/hello" ? (statuses[calls++] ?? 200) : 404;
    res.writeHead(status, { "content-type": "application/json" });
    res.end(
      JSON.stringify(
        status === 200
          ? { version: releaseVersion(), server: "test" }
          : { error: status === 401 ? "unauthorized" : "internal", message: `answered ${status}` },
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls: () => calls, server };
}

describe("a node's hello", () => {
  const servers: Server[] = [];
  after(() => {
    for (const s of servers) s.close();
  });

  it("is asked again while the server answers 500 or 503, and then succeeds", async () => {
    const role = await dataRole([500, 503]);
    servers.push(role.server);
    const retries: string[] = [];
    const client = new ServerClient({ url: role.url, token: "node-token" });
    const answer = await client.hello("node-1", (what, error, attempt) =>
      retries.push(`${what} ${attempt}: ${error.message}`),
    );
    client.close();
    assert.deepEqual(answer, { version: releaseVersion(), server: "test" });
    assert.equal(role.calls(), 3);
    assert.equal(retries.length, 2);
    assert.match(retries[0]!, /^hello 1: .* answered 500 to \/api\/worker\/hello/);
  });

  it("is not asked again when the server refuses the node (401)", async () => {
    const role = await dataRole([401]);
    servers.push(role.server);
    const client = new ServerClient({ url: role.url, token: "wrong-token" });
    await assert.rejects(client.hello("node-1"), (error: unknown) => {
      assert.ok(error instanceof ServerRequestError);
      assert.equal(error.status, 401);
      return true;
    });
    client.close();
    assert.equal(role.calls(), 1);
  });
});
