import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { selectSteps, stepArrivals } from "../../src/cycle/dissemination.ts";
import { directoryDestination } from "../../src/delivery/directory.ts";
import { decodeFields, isGribError, scanBuffer } from "../../src/grib/index.ts";
import { parseDisseminationName } from "../../src/ingest/names.ts";
import { encodeStep } from "../../src/sim/ecmwf/encode.ts";
import {
  defaultContent,
  fieldsOfStep,
  fieldValues,
  globalGrid,
  newAccumulation,
} from "../../src/sim/ecmwf/fields.ts";
import { legacyDisseminationName } from "../../src/sim/ecmwf/names.ts";
import { openPreparedStream, prepareStream } from "../../src/sim/ecmwf/prepared.ts";
import { playStream, streamPlan } from "../../src/sim/ecmwf/stream.ts";
import { runCli, tempDir } from "../helpers/cli.ts";

describe("simulated ECMWF stream", () => {
  it("has ECMWF's steps: hourly to 90, 3-hourly to 144, 6-hourly to 240, on the dissemination schedule", () => {
    const arrivals = stepArrivals();
    const steps = arrivals.map((a) => a.step);
    assert.equal(steps.length, 91 + 18 + 16);
    assert.deepEqual(steps.slice(89, 93), [89, 90, 93, 96]);
    assert.equal(steps.at(-1), 240);
    assert.equal(arrivals[0]!.minute, 345); // T+5:45
    assert.equal(arrivals.find((a) => a.step === 90)!.minute, 372); // T+6:12
    for (let i = 1; i < arrivals.length; i++) assert.ok(arrivals[i]!.minute >= arrivals[i - 1]!.minute);
    assert.deepEqual(
      selectSteps(arrivals, "0-6/3,96").map((a) => a.step),
      [0, 3, 6, 96],
    );
    assert.throws(() => selectSteps(arrivals, "six"), /range/);
  });

  it("names files with LEGACY dissemination names that parse back to cycle and step", () => {
    const base = new Date("2026-11-24T00:00:00Z");
    assert.equal(legacyDisseminationName("A1", "D", base, 6), "A1D11240000112406001");
    assert.equal(legacyDisseminationName("A1", "D", base, 0), "A1D11240000112400011");
    for (const step of [0, 1, 90, 240]) {
      const parsed = parseDisseminationName(legacyDisseminationName("A1", "D", base, step), base);
      assert.equal(parsed?.step, step);
      assert.equal(parsed?.baseTime.toISOString(), base.toISOString());
    }
  });

  it("makes plausible fields: dewpoint below temperature, humidity positive, precipitation never decreasing", () => {
    const grid = globalGrid(5);
    assert.equal(grid.ni * grid.nj, 72 * 37);
    const base = new Date("2026-11-24T00:00:00Z");
    const accumulation = newAccumulation(grid);
    const field = (
      shortName: "2t" | "2d" | "q" | "tp",
      step: number,
      levelKind: "surface" | "isobaricInhPa" = "surface",
      level = 0,
    ) => fieldValues({ shortName, levelKind, level }, grid, base, step, accumulation);
    const t2 = field("2t", 6);
    const d2 = field("2d", 6);
    for (let k = 0; k < t2.length; k++) {
      assert.ok(t2[k]! > 200 && t2[k]! < 330, `2t ${t2[k]}`);
      assert.ok(d2[k]! < t2[k]!);
    }
    for (const q of field("q", 6, "isobaricInhPa", 850)) assert.ok(q > 0 && q < 0.03);
    let previous = field("tp", 0);
    assert.ok(
      previous.every((v) => v === 0),
      "nothing has fallen at step 0",
    );
    for (const step of [1, 2, 3, 6, 12]) {
      const current = field("tp", step);
      for (let k = 0; k < current.length; k++) assert.ok(current[k]! >= previous[k]!);
      previous = current;
    }
    assert.ok(
      previous.some((v) => v > 0),
      "it rains somewhere within 12 hours",
    );
    assert.ok(fieldsOfStep(defaultContent).length >= 6 + 4 * 4);
  });
});

describe("precipitation as disseminated", () => {
  it("never decreases at any point once packed, step after step (as read back by our decoder and ecCodes)", () => {
    const grid = globalGrid(2);
    const base = new Date("2026-11-24T00:00:00Z");
    const accumulation = newAccumulation(grid);
    const tp = (step: number) => {
      const file = encodeStep({ pressureLevels: [], modelLevels: [] }, grid, base, step, accumulation);
      const message = [...scanBuffer(file)]
        .flatMap((m) => (isGribError(m) ? [] : [m]))
        .find((m) => decodeFields(m.bytes)[0]!.metadata.shortName === "tp")!;
      return { bytes: message.bytes, values: decodeFields(message.bytes)[0]!.values() };
    };
    let previous = tp(0);
    let rained = 0;
    for (let step = 1; step <= 36; step++) {
      const current = tp(step);
      for (let k = 0; k < current.values.length; k++) {
        assert.ok(
          current.values[k]! >= previous.values[k]!,
          `tp at point ${k} went from ${previous.values[k]} at step ${step - 1} to ${current.values[k]} at step ${step}`,
        );
        if (current.values[k]! > previous.values[k]!) rained++;
      }
      if (step === 36) {
        // ecCodes reads the same values from the last two steps' messages.
        const dir = tempDir();
        writeFileSync(join(dir, "a.grib"), previous.bytes);
        writeFileSync(join(dir, "b.grib"), current.bytes);
        const read = (name: string) =>
          execFileSync("grib_get_data", ["-F", "%.10g", join(dir, name)], { encoding: "utf8" })
            .trim()
            .split("\n")
            .slice(1)
            .map((line) => Number(line.trim().split(/\s+/)[2]));
        const [a, b] = [read("a.grib"), read("b.grib")];
        assert.equal(b.length, current.values.length);
        for (let k = 0; k < b.length; k++) assert.ok(b[k]! >= a[k]!, `ecCodes: point ${k} decreases`);
      }
      previous = current;
    }
    assert.ok(rained > 1000, `it rained somewhere: ${rained} point-steps`);
  });
});

describe("playing the simulated cycle", () => {
  it("pushes one file per step under its LEGACY name, readable by ecCodes, with precipitation accumulating", async () => {
    const root = tempDir();
    const base = new Date("2026-11-24T12:00:00Z");
    const pushed = await playStream({
      destination: directoryDestination(root),
      baseTime: base,
      increment: 10,
      steps: "0-2,6",
      timeFactor: Number.POSITIVE_INFINITY,
    });
    assert.deepEqual(
      pushed.map((p) => p.step),
      [0, 1, 2, 6],
    );
    assert.deepEqual(
      readdirSync(root).sort(),
      streamPlan({ baseTime: base, steps: "0-2,6" })
        .map((f) => f.name)
        .sort(),
    );
    let previousMax = -1;
    for (const file of pushed) {
      const path = join(root, file.name);
      const listing = execFileSync(
        "grib_get",
        ["-p", "edition,shortName,typeOfLevel,level,stepRange,packingType", path],
        {
          encoding: "utf8",
        },
      );
      assert.match(listing, /^1 2t surface 0 \d+ grid_simple$/m);
      assert.match(listing, /^2 t hybrid 137 \d+ grid_ccsds$/m);
      assert.match(
        listing,
        new RegExp(`^1 tp surface 0 ${file.step === 0 ? "0" : `0-${file.step}`} grid_simple$`, "m"),
      );
      const tpMax = Number(
        execFileSync("grib_get", ["-w", "shortName=tp", "-p", "max", path], { encoding: "utf8" }),
      );
      assert.ok(tpMax >= previousMax);
      previousMax = tpMax;
    }
    assert.ok(previousMax > 0);
  });

  it("plays a prepared stream, as often as wanted: the same files, byte for byte, as one made while playing", async () => {
    const base = new Date("2026-11-24T06:00:00Z");
    const options = { baseTime: base, increment: 10, steps: "0-3" };
    const live = tempDir();
    await playStream({ ...options, destination: directoryDestination(live), timeFactor: Infinity });
    const spool = join(tempDir(), "ecmwf");
    const seen: number[] = [];
    await prepareStream({ ...options, dir: spool, onStep: (done) => seen.push(done) });
    assert.deepEqual(seen, [1, 2, 3, 4]);
    const prepared = openPreparedStream(spool);
    assert.deepEqual(prepared.steps, [0, 1, 2, 3]);
    assert.equal(prepared.baseTime.toISOString(), base.toISOString());
    for (let round = 0; round < 2; round++) {
      const played = tempDir();
      await playStream({
        ...options,
        destination: directoryDestination(played),
        timeFactor: Infinity,
        prepared,
      });
      assert.deepEqual(readdirSync(played).sort(), readdirSync(live).sort());
      for (const name of readdirSync(live))
        assert.ok(readFileSync(join(played, name)).equals(readFileSync(join(live, name))), name);
    }
    await assert.rejects(
      playStream({
        ...options,
        increment: 5,
        destination: directoryDestination(tempDir()),
        timeFactor: Infinity,
        prepared,
      }),
      /another cycle or grid/,
    );
    // A spool missing a file, or without its manifest, is refused with what to do.
    rmSync(join(spool, readdirSync(live)[0]!));
    assert.throws(() => openPreparedStream(spool), /lacks 1 of its files .*prepare it again/);
    assert.throws(() => openPreparedStream(tempDir()), /no stream\.json.*sim ecmwf --prepare/);
  });

  it("`cloudburst sim ecmwf --prepare` makes a stream that `demo --stream` would play", async () => {
    const dir = join(tempDir(), "spool");
    const result = await runCli([
      "sim",
      "ecmwf",
      "--prepare",
      dir,
      "--base-time",
      "2026-11-24T12:00Z",
      "--grid",
      "30",
      "--steps",
      "0-2",
      "--json",
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), {
      dir,
      baseTime: "2026-11-24T12:00:00.000Z",
      grid: 30,
      files: 3,
    });
    assert.deepEqual(openPreparedStream(dir).steps, [0, 1, 2]);
    // --from pushes it, on the schedule from --start-at (here at once: inf), the files byte for byte.
    const target = tempDir();
    const pushed = await runCli([
      "sim",
      "ecmwf",
      "--from",
      dir,
      "--to",
      target,
      "--time-factor",
      "inf",
      "--json",
    ]);
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.deepEqual(
      pushed.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line).step),
      [0, 1, 2],
    );
    for (const name of readdirSync(target))
      assert.ok(readFileSync(join(target, name)).equals(readFileSync(join(dir, name))), name);
    const fromAndGrid = await runCli(["sim", "ecmwf", "--from", dir, "--grid", "1", "--to", target]);
    assert.equal(fromAndGrid.code, 2);
    assert.match(
      fromAndGrid.stderr,
      /--from plays the cycle, grid and steps it was prepared with: leave out --grid/,
    );
    const both = await runCli(["sim", "ecmwf", "--prepare", dir, "--to", tempDir()]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /give one of the two/);
    const conflicting = await runCli(["demo", "--stream", dir, "--grid", "1"]);
    assert.equal(conflicting.code, 2);
    assert.match(conflicting.stderr, /leave out --grid/);
  });

  it("`cloudburst sim ecmwf` pushes to a directory and prints JSON lines", async () => {
    const root = tempDir();
    const result = await runCli([
      "sim",
      "ecmwf",
      "--to",
      root,
      "--base-time",
      "2026-11-24T00:00Z",
      "--grid",
      "30",
      "--steps",
      "0-1",
      "--time-factor",
      "inf",
      "--json",
    ]);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { name: string; step: number });
    assert.deepEqual(
      lines.map((l) => l.name),
      ["A1D11240000112400011", "A1D11240000112401001"],
    );
    const bad = await runCli(["sim", "ecmwf", "--to", root, "--base-time", "2026-11-24T03:00Z"]);
    assert.equal(bad.code, 2);
  });
});
