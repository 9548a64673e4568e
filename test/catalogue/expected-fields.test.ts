// The demo's cycle ends "complete": the producer's expected field count is what the stream sends.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { expectedStreamFields } from "../../src/app/demo.ts";
import { scanBuffer } from "../../src/grib/index.ts";
import { prepareStream } from "../../src/sim/ecmwf/prepared.ts";
import { tempDir } from "../helpers/cli.ts";

it("expects as many fields of a demo cycle as its simulated ECMWF stream sends", async () => {
  const dir = tempDir();
  const prepared = await prepareStream({
    dir,
    baseTime: new Date("2024-05-01T00:00:00Z"),
    increment: 10,
    steps: "0-2",
  });
  let sent = 0;
  for (const name of readdirSync(dir).filter((n) => n !== "stream.json"))
    sent += [...scanBuffer(readFileSync(join(dir, name)))].length;
  assert.ok(sent > 0);
  assert.equal(expectedStreamFields(prepared), sent);
});
