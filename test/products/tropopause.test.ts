// himan's tropopause plugin on ECMWF's model levels, through the real `cloudburst process`: inputs made as
// the simulated stream encodes ECMWF's dissemination (GRIB2 model levels with the L137 pv, lnsp on level
// 1), a processqueue as FMI would write it (hybrid_pressure and hybrid_height on the searched levels, kept
// in the cache, then tropopause at height 0), results read back by ecCodes. The temperature profiles have
// their lapse-rate break at known levels, so the answer is the flight level of a known level's pressure,
// computed here from ecCodes' decoding of lnsp and the pv, and the ICAO standard atmosphere.
import assert from "node:assert/strict";
import { appendFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { encodeFieldValues } from "../../src/sim/ecmwf/encode.ts";
import { globalGrid } from "../../src/sim/ecmwf/fields.ts";
import { l137a, l137b } from "../../src/sim/ecmwf/l137.ts";
import { tempDir } from "../helpers/cli.ts";
import { ecCodesPv } from "./ecmwf-data.ts";
import { gribKeys, gribValues } from "./oracle.ts";
import { processFiles } from "./process-cli.ts";

const grid = globalGrid(10); // 36 × 19 points
const base = new Date("2026-11-24T00:00:00Z");
const step = 6;
/** himan's search range on ECMWF's L137 (the plugin's defaults): levels 118 up to 60. */
const lowest = 118;
const highest = 60;

/** The level where isothermal air begins (0: none), by longitude column; a false break 8 levels below on even rows. */
const breakLevels = [0, 64, 72, 80, 88, 105];

interface Point {
  ps: number;
  /** Air above this level is isothermal (the tropopause's level when its pressure is in 100–600 hPa). */
  breakLevel: number;
  /** The lower of two isothermal levels with cooling above them again (a layer that is no tropopause). */
  falseBreak: number;
}

function points(): Point[] {
  const out: Point[] = [];
  for (let row = 0; row < grid.nj; row++) {
    for (let col = 0; col < grid.ni; col++) {
      const breakLevel = breakLevels[col % breakLevels.length];
      const falseBreak = row % 2 === 0 && breakLevel > 0 && breakLevel < 100 ? breakLevel + 8 : -1;
      out.push({ ps: 100000 + 2500 * Math.cos((col * 10 * Math.PI) / 180), breakLevel, falseBreak });
    }
  }
  return out;
}

const fullLevelPressure = (a: ArrayLike<number>, b: ArrayLike<number>, level: number, ps: number) =>
  (a[level - 1] + a[level] + (b[level - 1] + b[level]) * ps) / 2;

/**
 * Temperatures from level 137 up: cooling at about 6.5 K/km (T ∝ p^0.19, the standard atmosphere's
 * rate), none above the break level and none from the false break to the level above it.
 */
function temperatures(p: Point): Map<number, number> {
  const t = new Map<number, number>([[137, 290]]);
  for (let level = 136; level >= highest; level--) {
    const below = t.get(level + 1)!;
    const isothermal = level < p.breakLevel || level === p.falseBreak - 1;
    const ratio =
      fullLevelPressure(l137a, l137b, level, p.ps) / fullLevelPressure(l137a, l137b, level + 1, p.ps);
    t.set(level, isothermal ? below : below * ratio ** 0.19);
  }
  return t;
}

/** Flight level of a pressure (Pa) in the ICAO standard atmosphere, to the nearest 5 (hundreds of feet). */
function icaoFlightLevel(pPa: number): number {
  const metres =
    pPa > 22632
      ? (288.15 / 0.0065) * (1 - (pPa / 101325) ** ((287 * 0.0065) / 9.80665))
      : 11000 + ((287 * 216.65) / 9.80665) * Math.log(22632 / pPa);
  return Math.round(metres / 0.3048 / 100 / 5) * 5;
}

describe("tropopause (himan's lapse-rate rule on ECMWF's model levels)", () => {
  const dir = tempDir("cb-tropo-");
  const lnspFile = join(dir, "lnsp.grib2");
  const modelLevels = join(dir, "ml.grib2");
  const profile = points();

  before(() => {
    const lnsp = Float64Array.from(profile, (p) => Math.log(p.ps));
    writeFileSync(
      lnspFile,
      encodeFieldValues({ shortName: "lnsp", levelKind: "hybrid", level: 1 }, grid, base, step, lnsp),
    );
    const columns = profile.map(temperatures);
    for (let level = 137; level >= highest; level--) {
      const t = Float64Array.from(columns, (c) => c.get(level)!);
      appendFileSync(
        modelLevels,
        encodeFieldValues({ shortName: "t", levelKind: "hybrid", level }, grid, base, step, t),
      );
    }
  });

  function config(name: string, queue: unknown[]): string {
    const file = join(dir, name);
    const himan = {
      source_producer: "131",
      target_producer: "240",
      hours: String(step),
      file_write: "multiple",
      origintime: "2026-11-24 00:00:00",
      processqueue: queue,
    };
    writeFileSync(file, JSON.stringify(himan, null, 2));
    return file;
  }

  const fmiQueue = [
    {
      leveltype: "hybrid",
      levels: `${highest}-${lowest}`,
      file_write: "cache only",
      plugins: [{ name: "hybrid_pressure" }, { name: "hybrid_height" }],
    },
    { leveltype: "height", levels: "0", plugins: [{ name: "tropopause" }] },
  ];

  it("is the flight level of the lowest level with a lapse rate of 2 K/km or less for 2 km above, within 600–100 hPa", async () => {
    const out = tempDir("cb-tropo-out-");
    const result = await processFiles(
      config("tropopause_ec.json", fmiQueue),
      out,
      [lnspFile, modelLevels],
      "grib2",
    );
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(readdirSync(out), ["TROPO-FL_height_0_ll_36_19_0_006.grib2"]);
    const file = join(out, "TROPO-FL_height_0_ll_36_19_0_006.grib2");
    assert.deepEqual(
      gribKeys(file, [
        "discipline",
        "parameterCategory",
        "parameterNumber",
        "typeOfLevel",
        "level",
        "stepRange",
      ]),
      {
        discipline: "0",
        parameterCategory: "19",
        parameterNumber: "195",
        typeOfLevel: "heightAboveGround",
        level: "0",
        stepRange: "6",
      },
    );

    const pv = ecCodesPv(lnspFile);
    const half = pv.length / 2;
    const ps = gribValues(lnspFile).map(Math.exp);
    const ours = gribValues(file);
    assert.equal(ours.length, profile.length);
    let found = 0;
    let none = 0;
    profile.forEach((p, i) => {
      const pressure = (level: number) => fullLevelPressure(pv.slice(0, half), pv.slice(half), level, ps[i]);
      // The break level, or the first level above it whose pressure is 600 hPa or less; the topmost level
      // read (60) is never a candidate, having no level above it.
      let level = p.breakLevel;
      while (level > highest && pressure(level) > 60000) level--;
      const expected =
        p.breakLevel > 0 && level > highest && pressure(level) >= 10000
          ? icaoFlightLevel(pressure(level))
          : Number.NaN;
      if (Number.isNaN(expected)) {
        none++;
        assert.ok(Number.isNaN(ours[i]), `point ${i}: no tropopause expected, got FL${ours[i]}`);
      } else {
        found++;
        assert.ok(
          Math.abs(ours[i] - expected) < 0.01,
          `point ${i} (break at level ${p.breakLevel}, false break ${p.falseBreak}): FL${ours[i]}, expected FL${expected}`,
        );
      }
    });
    // Both kinds of points, and breaks at several heights, are in the grid.
    assert.ok(found > 500 && none > 50, `${found} found, ${none} none`);
    assert.ok(new Set(ours.filter((v) => !Number.isNaN(v))).size >= 8);
  });

  it("is coded as himan codes it in GRIB1 (FMI's table 203, parameter 242)", async () => {
    const out = tempDir("cb-tropo-out-");
    const result = await processFiles(
      config("tropopause_ec.json", fmiQueue),
      out,
      [lnspFile, modelLevels],
      "grib",
    );
    assert.equal(result.code, 0, result.stderr);
    const file = join(out, "TROPO-FL_height_0_ll_36_19_0_006.grib");
    assert.deepEqual(
      gribKeys(file, ["table2Version", "indicatorOfParameter", "indicatorOfTypeOfLevel:l", "level"]),
      {
        table2Version: "203",
        indicatorOfParameter: "242",
        "indicatorOfTypeOfLevel:l": "105",
        level: "0",
      },
    );
  });

  it("is skipped, naming what is missing, when the model levels' heights and pressures are not made", async () => {
    const result = await processFiles(
      config("tropopause_alone.json", [fmiQueue[1]]),
      tempDir("cb-tropo-out-"),
      [lnspFile, modelLevels],
    );
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /tropopause height 0 step 6: skipped, missing HL-M hybrid 118 step 6h, P-HPA hybrid 118 step 6h, HL-M hybrid 117 step 6h/,
    );
  });
});
