// A product job's transfers: its inputs are read a few at a time, and the first input for a key wins
// in the order the catalogue gave them, whichever read ends first.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runProductJob } from "../../src/cycle/job.ts";
import type { InputField, ProductData, ProductFile } from "../../src/cycle/product-data.ts";
import { productsFromSources } from "../../src/cycle/products.ts";
import { decodeFields } from "../../src/grib/message.ts";
import { temperatureFile } from "../ui/grib-fixtures.ts";

const baseTime = new Date("2026-12-07T00:00:00Z");
const fileName = join(import.meta.dirname, "../../src/cycle/products/t2m_celsius.json");
const [t2m] = productsFromSources([
  { name: "t2m_celsius", fileName, text: readFileSync(fileName, "utf8"), steps: [3] },
]);

function field(id: number, bytes: Uint8Array): InputField {
  return {
    id,
    param: "2t",
    levelType: "surface",
    level: 0,
    stepRange: "3",
    offset: 0,
    length: bytes.length,
    checksum: "",
  };
}

/**
 * The job's data: the given messages, each read ending after its delay (or failing, when it has no
 * bytes); how many reads ran at once, and how many were started.
 */
function dataOf(messages: Array<{ bytes: Uint8Array | null; delayMs: number }>) {
  const published: ProductFile[] = [];
  let reading = 0;
  const data: ProductData & { mostAtOnce: number; started: number; published: ProductFile[] } = {
    mostAtOnce: 0,
    started: 0,
    published,
    inputs: async () => messages.map((m, i) => field(i + 1, m.bytes ?? new Uint8Array())),
    read: async (f) => {
      data.started++;
      data.mostAtOnce = Math.max(data.mostAtOnce, ++reading);
      const { bytes, delayMs } = messages[f.id - 1]!;
      await new Promise((ok) => setTimeout(ok, delayMs));
      reading--;
      if (!bytes) throw new Error(`field ${f.id}: the data role is gone`);
      return bytes;
    },
    publish: async (file) => {
      published.push(file);
      return {
        name: file.name,
        uri: `mem:${file.name}`,
        bytes: file.bytes.length,
        productIds: [],
        delivery: "delivered",
      };
    },
  };
  return data;
}

describe("a product job's inputs", () => {
  it("are read at once, and the first in the catalogue's order wins though its read ends last", async () => {
    // Two 2 m temperatures of step 3: the first on a 2° grid, read slowly; the second on a 1° grid.
    const data = dataOf([
      { bytes: temperatureFile(baseTime, 3, 2), delayMs: 60 },
      { bytes: temperatureFile(baseTime, 3, 1), delayMs: 0 },
    ]);
    const result = await runProductJob(data, baseTime, t2m!, 3, "test try 1");
    assert.equal(data.mostAtOnce, 2, "the two reads overlap");
    assert.equal(result.files.length, 1);
    const [message] = decodeFields(data.published[0]!.bytes);
    assert.equal(message!.metadata.numberOfValues, 180 * 91, "made from the first input (2°)");
  });

  it("stop being started once one has failed, and the job fails with that failure", async () => {
    // Six inputs, four read at once: the first fails (after its retries, on a node); the two not yet
    // started are not, since the job is lost anyway.
    const bytes = temperatureFile(baseTime, 3, 2);
    const data = dataOf([
      { bytes: null, delayMs: 0 },
      ...Array.from({ length: 5 }, () => ({ bytes, delayMs: 30 })),
    ]);
    await assert.rejects(
      runProductJob(data, baseTime, t2m!, 3, "test try 1"),
      /field 1: the data role is gone/,
    );
    assert.equal(data.started, 4);
    assert.equal(data.published.length, 0);
  });
});
