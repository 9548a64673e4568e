// himan's stability indices on ECMWF's pressure levels, through the real `cloudburst process`: t and r on
// 850, 700 and 500 hPa as ECMWF encodes them (GRIB1 table 128 with its local section, by CDO and ecCodes),
// dewpoint first, then stability with the Showalter index ("si") at height 0; results read back by ecCodes
// and checked against the formulas on ecCodes' decoding.
import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { tempDir } from "../helpers/cli.ts";
import { appendEcmwfGrib1 } from "./ecmwf-data.ts";
import { gribKeys, gribValues } from "./oracle.ts";
import { processFiles } from "./process-cli.ts";

const step = 12;
/** Lawrence (2005) as himan's dewpoint writes it. */
const dewPoint = (t: number, rh: number) => t / (1 - t * Math.log(rh / 100) * (461.5 / 2.5e6));

/** Bolton's (1980) θe of a parcel (T, TD in K, p in hPa), eq. 43 with his LCL temperature (eq. 15). */
function thetaE(t: number, td: number, p: number): number {
  const e = 6.112 * Math.exp((17.67 * (td - 273.15)) / (td - 29.65));
  const r = (622 * e) / (p - e); // g/kg
  const tLcl = 1 / (1 / (td - 56) + Math.log(t / td) / 800) + 56;
  return (
    t *
    (1000 / p) ** (0.2854 * (1 - 0.00028 * r)) *
    Math.exp((3.376 / tLcl - 0.00254) * r * (1 + 0.00081 * r))
  );
}

/** The saturated parcel's temperature at p (hPa) on the pseudo-adiabat of a given θe (bisection). */
function onPseudoAdiabat(theta: number, p: number): number {
  let lo = 150;
  let hi = 350;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (thetaE(mid, mid, p) < theta) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

describe("stability's Showalter index on ECMWF's pressure levels (GRIB1 table 128)", () => {
  const dir = tempDir("cb-stability-");
  const pl = join(dir, "pl.grib");
  before(() => {
    const fields = [
      { parameter: 130, level: 850, expr: "268+14*cos(rad(clat(v)))+2*sin(rad(3*clon(v)))" },
      { parameter: 130, level: 700, expr: "262+10*cos(rad(clat(v)))" },
      { parameter: 130, level: 500, expr: "245+9*cos(rad(clat(v)))-2*sin(rad(2*clon(v)))" },
      // ECMWF's r exceeds 100 % where air is supersaturated: there TD > T and himan lifts moist.
      { parameter: 157, level: 850, expr: "70+33*sin(rad(4*clon(v)))" },
      { parameter: 157, level: 700, expr: "55+30*cos(rad(2*clon(v)))" },
    ];
    for (const f of fields) appendEcmwfGrib1(dir, pl, { ...f, levelType: 100, step });
  });

  it("SI-N is T500 minus the 850 hPa parcel lifted to 500 hPa, dry unless the parcel is supersaturated", async () => {
    const config = join(dir, "stability_ec.json");
    const himan = {
      source_producer: "131",
      target_producer: "240",
      hours: String(step),
      file_write: "multiple",
      origintime: "2026-11-24 00:00:00",
      processqueue: [
        {
          leveltype: "pressure",
          levels: "850,700",
          file_write: "cache only",
          plugins: [{ name: "dewpoint" }],
        },
        { leveltype: "height", levels: "0", plugins: [{ name: "stability", si: "true" }] },
      ],
    };
    writeFileSync(config, JSON.stringify(himan));
    const out = tempDir("cb-stability-out-");
    const result = await processFiles(config, out, [pl], "grib2");
    assert.equal(result.code, 0, result.stderr);
    assert.ok(readdirSync(out).includes("SI-N_height_0_rll_529_461_0_012.grib2"), readdirSync(out).join(" "));
    const file = join(out, "SI-N_height_0_rll_529_461_0_012.grib2");
    assert.deepEqual(gribKeys(file, ["discipline", "parameterCategory", "parameterNumber", "typeOfLevel"]), {
      discipline: "0",
      parameterCategory: "7",
      parameterNumber: "13",
      typeOfLevel: "heightAboveGround",
    });

    const [t850, , t500, r850] = [1, 2, 3, 4].map((m) => gribValues(pl, m));
    const si = gribValues(file);
    assert.equal(si.length, t850.length);
    let dry = 0;
    let moist = 0;
    for (let i = 0; i < si.length; i++) {
      const td850 = dewPoint(t850[i], r850[i]);
      // himan's LCL iteration stops at once within 0.05 K of saturation: a hair above it, either branch
      if (td850 > t850[i] && td850 - t850[i] < 0.05) continue;
      if (td850 <= t850[i]) {
        // Poisson with himan's exponent 0.286 from 850 to 500 hPa
        const expected = t500[i] - t850[i] * (500 / 850) ** 0.286;
        assert.ok(Math.abs(si[i] - expected) < 0.01, `point ${i}: SI ${si[i]}, expected ${expected}`);
        dry++;
      } else {
        // Saturated from the start: the pseudo-adiabat through (850 hPa, T850), to within the
        // difference of himan's stepwise moist lapse rate from Bolton's θe.
        const expected = t500[i] - onPseudoAdiabat(thetaE(t850[i], t850[i], 850), 500);
        assert.ok(Math.abs(si[i] - expected) < 1, `point ${i}: SI ${si[i]}, moist expected ${expected}`);
        moist++;
      }
    }
    assert.ok(dry > 1000 && moist > 1000, `${dry} dry, ${moist} moist`);
  });

  it("is skipped, naming what is missing, when the dew points are not made", async () => {
    const config = join(dir, "stability_alone.json");
    const himan = {
      source_producer: "131",
      target_producer: "240",
      hours: String(step),
      origintime: "2026-11-24 00:00:00",
      processqueue: [{ leveltype: "height", levels: "0", plugins: [{ name: "stability", si: "true" }] }],
    };
    writeFileSync(config, JSON.stringify(himan));
    const result = await processFiles(config, tempDir("cb-stability-out-"), [pl]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /stability height 0 step 12: skipped, missing TD-K pressure 850 step 12h, TD-K pressure 700 step 12h/,
    );
  });
});
