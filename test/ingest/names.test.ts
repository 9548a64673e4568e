// ECMWF dissemination file names: LEGACY, ECMWF and WMO templates.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseDisseminationName } from "../../src/ingest/names.ts";

const received = new Date("2026-11-24T06:00:00Z");

describe("dissemination names", () => {
  test("LEGACY: feed, stream, base time, valid time and step", () => {
    const n = parseDisseminationName("A1D11240000112406001", received);
    assert.ok(n);
    assert.equal(n.template, "legacy");
    assert.equal(n.feed, "A1");
    assert.equal(n.stream, "D");
    assert.equal(n.marsStream, "oper");
    assert.equal(n.baseTime.toISOString(), "2026-11-24T00:00:00.000Z");
    assert.equal(n.validTime?.toISOString(), "2026-11-24T06:00:00.000Z");
    assert.equal(n.step, 6);
    assert.equal(n.expver, "1");
  });

  test("LEGACY: step 0 is marked by minute 01", () => {
    const n = parseDisseminationName("A1D11240000112400011", received);
    assert.equal(n?.step, 0);
    assert.equal(n?.validTime?.toISOString(), "2026-11-24T00:00:00.000Z");
  });

  test("LEGACY: long steps cross months and years; the year is the one nearest to reception", () => {
    const n = parseDisseminationName("A1D12311200011512001", new Date("2027-01-01T00:00:00Z"));
    assert.equal(n?.baseTime.toISOString(), "2026-12-31T12:00:00.000Z");
    assert.equal(n?.validTime?.toISOString(), "2027-01-15T12:00:00.000Z");
    assert.equal(n?.step, 15 * 24);
    const step360 = parseDisseminationName("A1D11240000120900001", received);
    assert.equal(step360?.step, 360);
  });

  test("LEGACY: seasonal products have no valid day", () => {
    const n = parseDisseminationName("A1S1101000001______1", received);
    assert.equal(n?.template, "legacy");
    assert.equal(n?.step, null);
    assert.equal(n?.validTime, null);
  });

  test("ECMWF template", () => {
    const n = parseDisseminationName(
      "abc_a1_aifs-ens_ai_enfo_pf_20250725T000000Z_20250808T180000Z_354h",
      received,
    );
    assert.ok(n);
    assert.equal(n.template, "ecmwf");
    assert.equal(n.destination, "abc");
    assert.equal(n.feed, "a1");
    assert.equal(n.model, "aifs-ens");
    assert.equal(n.class, "ai");
    assert.equal(n.stream, "enfo");
    assert.equal(n.marsType, "pf");
    assert.equal(n.baseTime.toISOString(), "2025-07-25T00:00:00.000Z");
    assert.equal(n.step, 354);
  });

  test("WMO template", () => {
    const n = parseDisseminationName(
      "W_xx-ecmwf-reading,aifs+single,abc+a1+ai+enfo+pf+0001_C_ECMF_20250725T000000Z_20250808T180000Z_354h_grib.bin",
      received,
    );
    assert.ok(n);
    assert.equal(n.template, "wmo");
    assert.equal(n.stream, "enfo");
    assert.equal(n.marsType, "pf");
    assert.equal(n.model, "aifs+single");
    assert.equal(n.step, 354);
    assert.equal(n.expver, "1");
  });

  test("other names are not dissemination names", () => {
    for (const name of [
      "source.grib",
      "A1D1124000011240600",
      "A1D13240000112406001",
      "A1D02300000023006001",
      "",
    ]) {
      assert.equal(parseDisseminationName(name, received), null, name);
    }
  });
});
