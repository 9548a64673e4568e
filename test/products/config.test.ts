// Product configurations: every himan JSON of the shared data as it is, our YAML form, and errors that
// name the JSON path of what is wrong.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ProductConfigError, parseProductConfig } from "../../src/products/config/index.ts";
import { himanDev } from "./oracle.ts";

function himanConfigs(): string[] {
  return readdirSync(himanDev, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".json"))
    .map((f) => join(himanDev, f));
}

function problems(text: string, name = "x.json"): string[] {
  try {
    parseProductConfig(text, name);
  } catch (error) {
    assert.ok(error instanceof ProductConfigError, String(error));
    return error.problems;
  }
  assert.fail("expected the configuration to be rejected");
}

describe("himan JSON configurations", () => {
  it("accepts every configuration in shared/data/himan-dev as it is", () => {
    const files = himanConfigs();
    assert.ok(files.length >= 7);
    for (const file of files) {
      const config = parseProductConfig(readFileSync(file, "utf8"), file);
      assert.ok(config.processqueue.length > 0, file);
    }
  });

  it("knows radon's target geometries by name and says when it does not", () => {
    const config = (geometry: string) =>
      parseProductConfig(
        JSON.stringify({
          target_geom_name: geometry,
          hours: "1",
          processqueue: [{ leveltype: "height", levels: "2", plugins: [{ name: "dewpoint" }] }],
        }),
        "x.json",
      );
    const arome = config("AROME022").target?.grid;
    assert.equal(arome?.gridType, "rotated_ll");
    if (arome?.gridType === "rotated_ll") {
      assert.deepEqual(
        [arome.Ni, arome.Nj, arome.latitudeOfSouthernPoleInDegrees, arome.longitudeOfSouthernPoleInDegrees],
        [290, 594, -30, 13],
      );
    }
    const unknown = config("NOSUCHGEOM");
    assert.equal(unknown.target, null);
    assert.match(unknown.notes[0], /NOSUCHGEOM is not a geometry known here.*source grid/);
  });

  it("reads steps in minutes, hour ranges and hour lists, forecast types and producers", () => {
    const load = (f: string) => parseProductConfig(readFileSync(join(himanDev, f), "utf8"), f);
    assert.deepEqual(load("dewpoint/dewpoint_harmonie.json").steps, [24]);
    assert.deepEqual(load("split_sum/precipitation_harmonie.json").steps, [0, 1, 2, 3]);
    assert.deepEqual(load("relative_humidity/relative_humidity_harmonie.json").steps, [1]);
    assert.deepEqual(load("transformer/tk2tc_gfs.json").steps, [192]);
    const wind = load("windvector/windvector_meps.json");
    assert.deepEqual(wind.forecastTypes, [{ kind: "pf", member: 9 }]);
    assert.equal(wind.targetProducer, 260);
    assert.equal(wind.originTime?.toISOString(), "2016-11-18T00:00:00.000Z");
    assert.equal(load("transformer/tk2tc_gfs.json").fileWrite, "single");
    const meps = load("split_sum/precipitation_meps.json");
    assert.deepEqual(meps.forecastTypes, [{ kind: "cf", member: 0 }]);
    assert.deepEqual(
      meps.processqueue[0].plugins.map((p) => p.name),
      ["split_sum"],
    );
  });

  it("expands level lists and ranges and ensemble member ranges", () => {
    const config = parseProductConfig(
      JSON.stringify({
        hours: "0,3,6",
        forecast_type: "cf,pf1-3",
        processqueue: [{ leveltype: "hybrid", levels: "60-62", plugins: [{ name: "tpot" }] }],
      }),
      "x.json",
    );
    assert.deepEqual(config.steps, [0, 3, 6]);
    assert.deepEqual(config.processqueue[0].levels, [60, 61, 62]);
    assert.deepEqual(
      config.forecastTypes.map((f) => `${f.kind}${f.member}`),
      ["cf0", "pf1", "pf2", "pf3"],
    );
  });

  it("names the JSON path of each problem", () => {
    const found = problems(
      JSON.stringify({
        start_hour: "six",
        step: 1,
        file_write: "sometimes",
        processqueue: [
          { leveltype: "height", levels: "2", plugins: [{ name: "dewpoint" }, { name: "nosuch" }] },
          { leveltype: "sky", levels: "x", plugins: [] },
        ],
      }),
    );
    const text = found.join("\n");
    assert.match(text, /\$\.start_hour: expected a number/);
    assert.match(text, /\$\.file_write: expected "single", "multiple"/);
    assert.match(text, /\$\.processqueue\[1\]\.leveltype: expected a level type/);
    assert.match(text, /\$\.processqueue\[1\]\.levels: "x" is not a number/);
    assert.match(text, /\$\.processqueue\[1\]\.plugins: expected at least one plugin/);
  });

  it("reports unknown plugins and bad plugin options with their path", () => {
    const text = problems(
      JSON.stringify({
        hours: "1",
        processqueue: [
          {
            leveltype: "height",
            levels: "2",
            plugins: [{ name: "nosuch" }, { name: "transformer", scale: "big" }],
          },
          { leveltype: "height", levels: "0", plugins: [{ name: "split_sum" }] },
        ],
      }),
    ).join("\n");
    assert.match(
      text,
      /\$\.processqueue\[0\]\.plugins\[0\]\.name: unknown plugin "nosuch" \(known: windvector, /,
    );
    assert.match(text, /\$\.processqueue\[0\]\.plugins\[1\]\.source_param: /);
    assert.match(text, /\$\.processqueue\[0\]\.plugins\[1\]\.scale: expected a number/);
    assert.match(text, /\$\.processqueue\[1\]\.plugins\[0\]: split_sum needs at least one of rr1h/);
  });

  it("says when the steps are missing and when the text is not JSON", () => {
    assert.match(
      problems(
        JSON.stringify({
          processqueue: [{ leveltype: "height", levels: "2", plugins: [{ name: "dewpoint" }] }],
        }),
      ).join(),
      /give the steps/,
    );
    assert.match(problems("{ nope").join(), /not valid JSON/);
  });
});

describe("YAML configurations", () => {
  const yaml = `
name: scandinavia
steps: { start: 0, stop: 6, step: 3 }
forecastType: det
areas:
  scandinavia: { type: latlon, north: 72, south: 54, west: 4, east: 34, dlat: 0.05, dlon: 0.05 }
  meps: { type: lambert, latin1: 63.3, lov: 15, first: { lat: 50.319616, lon: 0.27828 }, nx: 949, ny: 1069, dx: 2500, dy: 2500 }
targetArea: scandinavia
output:
  edition: 2
  packing: { type: simple, decimalPrecision: 2 }
  fileName: "{param}_{leveltype}_{level}_{analysis_time}_{step:03}.{ext}"
processqueue:
  - levelType: height
    levels: [10]
    plugins: [{ name: windvector }]
  - levelType: height
    levels: [0]
    plugins: [{ name: split_sum, rr3h: true }]
`;
  it("reads areas, output edition, packing and the file-name template", () => {
    const config = parseProductConfig(yaml, "p.yaml");
    assert.equal(config.name, "scandinavia");
    assert.deepEqual(config.steps, [0, 3, 6]);
    assert.equal(config.target?.name, "scandinavia");
    const grid = config.target!.grid;
    assert.equal(grid.gridType, "regular_ll");
    assert.ok(grid.gridType === "regular_ll" && grid.Ni === 601 && grid.Nj === 361);
    assert.equal(config.edition, 2);
    assert.deepEqual(config.packing, { type: "simple", decimalPrecision: 2 });
    assert.equal(config.processqueue[1].plugins[0].name, "split_sum");
  });
  it("rejects an unknown target area and unknown keys with their path", () => {
    const text = problems(
      yaml.replace("targetArea: scandinavia", "targetArea: moon\ncolour: blue"),
      "p.yaml",
    ).join("\n");
    assert.match(text, /\$\.targetArea: no area named "moon"/);
    assert.match(text, /colour/);
  });
  it("rejects an area whose span is not a whole number of steps", () => {
    const text = problems(yaml.replace("east: 34,", "east: 34.01,"), "p.yaml").join("\n");
    assert.match(text, /\$\.areas\.scandinavia: the span/);
  });
});

describe("documented examples", () => {
  it("every configuration under docs/examples is valid", () => {
    const dir = join(import.meta.dirname, "../../docs/examples");
    const files = readdirSync(dir).filter((f) => /\.(json|ya?ml)$/.test(f));
    assert.ok(files.length >= 3);
    for (const f of files)
      assert.ok(parseProductConfig(readFileSync(join(dir, f), "utf8"), f).processqueue.length > 0, f);
  });
});
