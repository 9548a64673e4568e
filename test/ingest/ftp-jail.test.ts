// The FTP receiver as a hostile or busy client meets it: replies never name the server's own paths,
// SITE commands are refused, every passive port of the range is usable, sessions beyond what the range
// carries are refused with a clear 421, and a stop does not wait on a client.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { statSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Client } from "basic-ftp";
import type { FtpReceiver } from "../../src/ingest/receivers/ftp.ts";
import { freePort } from "../../src/system/processes.ts";
import { runCli, spawnCli, stopChild, tempDir, waitForOutput } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { startTestReceiver } from "./ftp-receiver.ts";

/** A password made up for this run. */
const password = randomBytes(12).toString("base64url");
const env = { JAIL_FTP_PASSWORD: password };

/** An FTP control connection spoken by hand: each command's whole reply. */
class RawFtp {
  readonly #socket: Socket;
  #buffer = "";
  #waiting: (() => void) | null = null;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding("utf8");
    socket.on("data", (text: string) => {
      this.#buffer += text;
      this.#waiting?.();
    });
    socket.on("error", () => undefined);
  }

  /** A logged-in session; sessions just closed may still count for a moment, so a 421 is tried again. */
  static async open(port: number, user = "ecmwf"): Promise<RawFtp> {
    for (let attempt = 1; ; attempt++) {
      const ftp = new RawFtp(connect(port, "127.0.0.1"));
      const greeting = await ftp.#reply();
      if (greeting.startsWith("421") && attempt < 20) {
        ftp.close();
        await sleep(100);
        continue;
      }
      assert.match(greeting, /^220/);
      assert.match(await ftp.send(`USER ${user}`), /^331/);
      assert.match(await ftp.send(`PASS ${password}`), /^230/);
      return ftp;
    }
  }

  send(line: string): Promise<string> {
    this.#socket.write(`${line}\r\n`);
    return this.#reply();
  }

  async #reply(): Promise<string> {
    for (;;) {
      const end = /^\d{3} .*\r\n/m.exec(this.#buffer);
      if (end) {
        const reply = this.#buffer.slice(0, end.index + end[0].length);
        this.#buffer = this.#buffer.slice(reply.length);
        return reply.trim();
      }
      await new Promise<void>((resolve) => {
        this.#waiting = resolve;
      });
    }
  }

  close(): void {
    this.#socket.destroy();
  }
}

describe("the FTP jail", () => {
  let receiver: FtpReceiver;
  const rootDir = tempDir();
  before(async () => {
    receiver = await startTestReceiver({ user: "ecmwf", passwordEnv: "JAIL_FTP_PASSWORD", env, rootDir });
  });
  after(() => receiver.stop());

  it("never names the server's own paths in a reply", async () => {
    const ftp = await RawFtp.open(receiver.port);
    try {
      const replies = [
        await ftp.send("MKD made"),
        await ftp.send("CWD /nowhere"),
        await ftp.send("RNFR nothing"),
        await ftp.send("SIZE nothing"),
        await ftp.send("DELE nothing"),
        await ftp.send("MDTM nothing"),
        await ftp.send("STAT nothing"),
        await ftp.send("CWD made"),
        await ftp.send("PWD"),
      ];
      assert.match(replies[0]!, /^257 "\/made"/);
      assert.match(replies[1]!, /^550 .*'\/nowhere'/);
      for (const reply of replies) {
        assert.ok(!reply.includes(rootDir), `a reply names the server's path: ${reply}`);
        assert.doesNotMatch(reply, /\/tmp\//);
      }
    } finally {
      ftp.close();
    }
  });

  it("refuses SITE commands: CHMOD cannot open the root", async () => {
    const ftp = await RawFtp.open(receiver.port);
    try {
      const root = join(rootDir, "ecmwf");
      const before = statSync(root).mode;
      assert.match(await ftp.send("SITE CHMOD 777 /"), /^502 /);
      assert.match(await ftp.send("SITE CHMOD 777 made"), /^502 /);
      assert.equal(statSync(root).mode, before);
    } finally {
      ftp.close();
    }
  });
});

describe("FTP sessions and passive ports", () => {
  let receiver: FtpReceiver;
  let minPort = 0;
  const uploads: PassThrough[] = [];
  before(async () => {
    minPort = 48950 + Math.floor(Math.random() * 30) * 3;
    receiver = await startTestReceiver({
      user: "ecmwf",
      passwordEnv: "JAIL_FTP_PASSWORD",
      env,
      passivePorts: { minPort, maxPort: minPort + 2 },
    });
  });
  after(async () => {
    for (const upload of uploads) upload.end();
    await receiver.stop();
  });

  it("carries as many transfers at once as the range has ports, and refuses one more session with 421", async () => {
    const clients: Client[] = [];
    const transfers: Array<Promise<unknown>> = [];
    for (let i = 0; i < 3; i++) {
      const client = new Client();
      await client.access({ host: "127.0.0.1", port: receiver.port, user: "ecmwf", password });
      const body = new PassThrough();
      body.write(Buffer.alloc(1000, i));
      uploads.push(body);
      clients.push(client);
      transfers.push(client.uploadFrom(body, `file${i}.grib`));
    }
    while (receiver.uploads() < 3) await sleep(20);

    const fourth = new Client();
    await assert.rejects(
      fourth.access({ host: "127.0.0.1", port: receiver.port, user: "ecmwf", password }),
      /421 too many sessions at once \(3 allowed\); try again shortly/,
    );
    fourth.close();

    for (const body of uploads) body.end();
    await Promise.all(transfers);
    for (const client of clients) client.close();
  });

  it("answers a clear 425 when every port of the range is taken by others", async () => {
    const squatters: Server[] = [];
    let ftp: RawFtp | null = null;
    try {
      for (let port = minPort; port <= minPort + 2; port++) {
        const squatter = createServer();
        await new Promise<void>((resolve) => squatter.listen(port, "127.0.0.1", resolve));
        squatters.push(squatter);
      }
      ftp = await RawFtp.open(receiver.port);
      assert.equal(
        await ftp.send("PASV"),
        `425 no passive port is free in ${minPort}-${minPort + 2}: too many transfers at once; try again shortly`,
      );
    } finally {
      ftp?.close();
      for (const squatter of squatters) squatter.close();
    }
  });
});

describe("a control server with a passive FTP port open", () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.drop());

  it("stops promptly on the first SIGTERM, an upload in flight and an idle PASV notwithstanding", async () => {
    const dir = tempDir();
    const port = await freePort();
    writeFileSync(
      join(dir, "cloudburst.yaml"),
      `ingest:\n  ftp:\n    enabled: true\n    port: ${port}\n    passive: { url: 127.0.0.1, minPort: 47950, maxPort: 47999 }\n    users: [{ name: ecmwf, passwordEnv: JAIL_FTP_PASSWORD }]\n`,
    );
    const server = spawnCli(["server", "--port", "0"], { cwd: dir, env: { ...env, DATABASE_URL: db.url } });
    await waitForOutput(server, /server ready/);
    const idle = await RawFtp.open(port);
    assert.match(await idle.send("PASV"), /^227 /);
    const uploader = new Client();
    await uploader.access({ host: "127.0.0.1", port, user: "ecmwf", password });
    const body = new PassThrough();
    body.write(Buffer.alloc(10_000));
    const upload = uploader.uploadFrom(body, "A1D11240000112406001").catch(() => "cut");
    await sleep(500);
    const stopping = Date.now();
    const code = await stopChild(server, "SIGTERM");
    const seconds = (Date.now() - stopping) / 1000;
    idle.close();
    body.end();
    uploader.close();
    await upload;
    assert.equal(code, 0);
    assert.ok(seconds < 10, `the server took ${seconds} s to stop`);
    const second = await runCli(["files", "ls", "--json"], { cwd: dir, env: { DATABASE_URL: db.url } });
    assert.deepEqual(JSON.parse(second.stdout), [], "the cut upload was not registered");
  });
});
