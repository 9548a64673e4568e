// Refuses a field whose sections contradict each other, before anyone trusts its values: a grid that
// does not have the points the message says, a bitmap that does not mark as many points as are
// packed, a data section too short for its values, keys placed past the end of the message. Each
// refusal names the key, its byte offset in the file and the contradiction. These checks read
// headers and the bitmap only: ingest can refuse a message without decoding its values.
import { MISSING_LONG } from "./definitions/accessor.ts";
import type { Handle } from "./definitions/handle.ts";
import { num } from "./metadata.ts";
import { GribError, type GridDefinition } from "./types.ts";
import { bitsSet } from "./values.ts";

function refuse(h: Handle, key: string, why: string): never {
  const a = h.find(key);
  throw new GribError("corrupt", `${key}: ${why}`, h.fileOffset + (a?.offset ?? 0));
}

/** Points the grid definition describes, or undefined when its type has no fixed shape. */
function gridPoints(grid: GridDefinition): { points: number; how: string } | undefined {
  switch (grid.gridType) {
    case "regular_ll":
    case "rotated_ll":
    case "regular_gg":
    case "mercator":
      return { points: grid.Ni * grid.Nj, how: `Ni × Nj = ${grid.Ni} × ${grid.Nj}` };
    case "lambert":
    case "polar_stereographic":
      return { points: grid.Nx * grid.Ny, how: `Nx × Ny = ${grid.Nx} × ${grid.Ny}` };
    case "reduced_gg":
    case "reduced_ll":
      return { points: grid.pl.reduce((a, b) => a + b, 0), how: `the sum of pl (${grid.pl.length} rows)` };
    default:
      return undefined;
  }
}

/** Latitudes that are latitudes, and (lat/lon grids) in the order the scanning mode says, as ecCodes' iterator wants them. */
function checkLatitudes(h: Handle, grid: GridDefinition): void {
  if (!("latitudeOfLastGridPointInDegrees" in grid) || !("latitudeOfFirstGridPointInDegrees" in grid)) return;
  const first = grid.latitudeOfFirstGridPointInDegrees;
  const last = grid.latitudeOfLastGridPointInDegrees;
  if (first === undefined || last === undefined) return;
  for (const [key, lat] of [
    ["latitudeOfFirstGridPoint", first],
    ["latitudeOfLastGridPoint", last],
  ] as const) {
    if (!(Math.abs(lat) <= 90)) refuse(h, key, `${lat}° is not a latitude (-90 to 90)`);
  }
  if (grid.gridType !== "regular_ll" && grid.gridType !== "rotated_ll") return;
  const northward = grid.scanning.jScansPositively === 1;
  if (northward ? first > last : first < last) {
    refuse(
      h,
      "latitudeOfLastGridPoint",
      `first latitude ${first}° and last ${last}° contradict the scanning mode (jScansPositively = ${northward ? 1 : 0})`,
    );
  }
}

function checkGrid(h: Handle, grid: GridDefinition): void {
  checkLatitudes(h, grid);
  const ni = "Ni" in grid ? grid.Ni : "Nx" in grid ? grid.Nx : undefined;
  // GRIB1 codes "missing" as all bits set (Ni 65535): only reduced grids (rows of their own lengths) may
  if (ni === MISSING_LONG && !grid.gridType.startsWith("reduced")) {
    refuse(h, "Ni" in grid ? "Ni" : "Nx", "missing (all bits set) in a grid whose rows all have one length");
  }
  const nj = "Nj" in grid ? grid.Nj : "Ny" in grid ? grid.Ny : undefined;
  if (nj === 0) refuse(h, "Nj" in grid ? "Nj" : "Ny", "the grid has no rows (0): no point can be placed");
  const shape = gridPoints(grid);
  if (shape && shape.points !== grid.numberOfDataPoints) {
    refuse(
      h,
      "numberOfDataPoints",
      `${shape.how} gives ${shape.points} points but the message says numberOfDataPoints = ${grid.numberOfDataPoints}`,
    );
  }
}

/** Values packed against points: through the bitmap when there is one, one for one otherwise. */
function checkCounts(h: Handle, points: number): void {
  const edition = num(h, "edition");
  const packed = edition === 1 ? num(h, "numberOfCodedValues") : num(h, "numberOfValues");
  const packedKey = edition === 1 ? "numberOfCodedValues" : "numberOfValues";
  if (packed === undefined) return;
  // GRIB1 counts its values from section 4's length and bitsPerValue: say so, either may be wrong
  const how = edition === 1 ? ` (section 4's length at ${num(h, "bitsPerValue")} bits per value)` : "";
  const bitmapPresent = num(h, "bitmapPresent") === 1;
  const bitmap = h.find("bitmap");
  if (bitmapPresent && bitmap) {
    if (bitmap.length * 8 < points) {
      refuse(h, "bitmap", `a bitmap of ${bitmap.length * 8} bits cannot mark ${points} points`);
    }
    const marked = bitsSet(h.bytes, bitmap.offset, points);
    if (marked !== packed) {
      refuse(h, packedKey, `the bitmap marks ${marked} points present but ${packed} values are packed${how}`);
    }
  } else if (!bitmapPresent && packed !== points && num(h, "bitsPerValue") !== 0) {
    refuse(h, packedKey, `${packed} values are packed${how} for ${points} points, and there is no bitmap`);
  }
}

/** A simply packed data section must hold its values. */
function checkDataLength(h: Handle): void {
  const bpv = num(h, "bitsPerValue");
  if (bpv === undefined) return;
  if (bpv > 64) refuse(h, "bitsPerValue", `${bpv} bits per value (at most 64)`);
  if (bpv > 32 && num(h, "dataRepresentationTemplateNumber") === 42)
    refuse(h, "bitsPerValue", `${bpv} bits per value, but CCSDS packs at most 32`);
  if (num(h, "edition") !== 2 || num(h, "dataRepresentationTemplateNumber") !== 0) return;
  const values = num(h, "numberOfValues") ?? 0;
  const length = (num(h, "section7Length") ?? 5) - 5;
  const need = Math.ceil((values * bpv) / 8);
  if (need > length) {
    refuse(
      h,
      "section7Length",
      `${values} values of ${bpv} bits need ${need} bytes, the data section has ${length}`,
    );
  }
}

/**
 * GRIB1's sections follow each other by their declared lengths (ecCodes reads them so), and the data
 * section ends before the message's "7777".
 */
function checkGrib1Sections(h: Handle): void {
  if (num(h, "edition") !== 1) return;
  const sections = [1, 2, 3, 4]
    .map((n) => ({ n, at: h.find(`section${n}Length`), length: num(h, `section${n}Length`) }))
    .filter((s) => s.at && s.length !== undefined);
  for (let k = 0; k < sections.length; k++) {
    const { n, at, length } = sections[k]!;
    const end = at!.offset + length!;
    const next = sections[k + 1];
    const nextStart = next ? next.at!.offset : h.bytes.length - 4;
    const what = next
      ? `section ${next.n} starts at byte ${nextStart}`
      : `the "7777" is at byte ${nextStart}`;
    if (next ? end !== nextStart : end > nextStart) {
      refuse(
        h,
        `section${n}Length`,
        `section ${n} of ${length} bytes from byte ${at!.offset} ends at byte ${end}, but ${what}`,
      );
    }
  }
}

/**
 * GRIB2's sections as read from the definitions: each where the one before ends by its declared length.
 * A section whose keys run past its length (a flipped NV asking for thousands of pv values) shifts or
 * swallows the sections after it, which ecCodes reports as "Invalid size ... found for section".
 */
function checkGrib2Sections(h: Handle): void {
  if (num(h, "edition") !== 2) return;
  let previous: { n: number; start: number; length: number } | undefined;
  for (const n of [1, 2, 3, 4, 5, 6, 7]) {
    const start = num(h, `offsetSection${n}`);
    const length = num(h, `section${n}Length`);
    if (start === undefined || length === undefined) {
      if (n === 2 || !previous) continue;
      refuse(
        h,
        `section${previous.n}Length`,
        `section ${previous.n} declares ${previous.length} bytes from byte ${previous.start}, but its keys run past them: section ${n} cannot be found after it`,
      );
    }
    if (previous && previous.start + previous.length !== start) {
      refuse(
        h,
        `section${previous.n}Length`,
        `section ${previous.n} of ${previous.length} bytes from byte ${previous.start} ends at byte ${previous.start + previous.length}, but section ${n} is read from byte ${start}`,
      );
    }
    previous = { n, start, length };
  }
}

/** Throws a GribError naming the key, the offset and the contradiction; returns when the field holds together. */
export function checkField(h: Handle, grid: GridDefinition): void {
  // first: a GRIB1 section length past the end is the cause when the keys run past it
  checkGrib1Sections(h);
  // what reads only keys is checked once per layout and bytes read (handle.ts)
  h.remember("sections", checkGrib2Sections);
  if (h.layout.end > h.bytes.length) {
    throw new GribError(
      "corrupt",
      `the sections' keys run to byte ${h.layout.end}, past the message's ${h.bytes.length} bytes`,
      h.fileOffset,
    );
  }
  checkGrid(h, grid);
  if (grid.gridType !== "other") checkCounts(h, grid.numberOfDataPoints);
  h.remember("data length", checkDataLength);
}
