// Certificate pinning (what nodes and the data server use to reach their server): every connection is
// checked, the first and those after it. A resumed TLS session shows no certificate, so before session
// caching was turned off, every connection after the first (a server closing its connections) was refused.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:https";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fetch } from "undici";
import { generatedCertificate, pinnedDispatcher, type ServerCertificate } from "../../src/system/tls.ts";
import { tempDir } from "../helpers/cli.ts";

describe("a pinned dispatcher", () => {
  let server: Server;
  let url: string;
  let certificate: ServerCertificate;

  before(async () => {
    certificate = generatedCertificate(join(tempDir("cb-pin-"), "tls"));
    // Each answer closes its connection: the next request needs a new one.
    server = createServer({ cert: certificate.cert, key: certificate.key }, (_request, response) => {
      response.setHeader("connection", "close");
      response.end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `https://127.0.0.1:${(server.address() as { port: number }).port}/`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("checks and accepts the pinned certificate on every new connection", async () => {
    const dispatcher = pinnedDispatcher(certificate.fingerprint);
    try {
      for (let i = 0; i < 3; i++) {
        const response = await fetch(url, { dispatcher });
        assert.equal(await response.text(), "ok", `request ${i + 1}`);
      }
    } finally {
      await dispatcher.close();
    }
  });

  it("refuses a server showing another certificate", async () => {
    const other = generatedCertificate(join(tempDir("cb-pin-other-"), "tls"));
    const dispatcher = pinnedDispatcher(other.fingerprint);
    try {
      await assert.rejects(fetch(url, { dispatcher }), (error: Error) =>
        /not the pinned/.test(String((error as { cause?: Error }).cause?.message)),
      );
    } finally {
      await dispatcher.close();
    }
  });
});
