// Refuses a field whose sections contradict each other, before anyone trusts its values: a grid that
// does not have the points the message says, a bitmap that does not mark as many points as are
// packed, a data section too short for its values, keys placed past the end of the message. Each
// refusal names the key, its byte offset in the file and the contradiction. These checks read
// headers and the bitmap only: ingest can refuse a message without decoding its values.
import type { Handle } from "./definitions/handle.ts";
import { num } from "./metadata.ts";
import { GribError, type GridDefinition } from "./types.ts";

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

function checkGrid(h: Handle, grid: GridDefinition): void {
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

function ones(bytes: Uint8Array, start: number, bits: number): number {
  let n = 0;
  for (let k = 0; k < bits; k++) if ((bytes[start + (k >> 3)]! >> (7 - (k & 7))) & 1) n++;
  return n;
}

/** Values packed against points: through the bitmap when there is one, one for one otherwise. */
function checkCounts(h: Handle, points: number): void {
  const edition = num(h, "edition");
  const packed = edition === 1 ? num(h, "numberOfCodedValues") : num(h, "numberOfValues");
  const packedKey = edition === 1 ? "numberOfCodedValues" : "numberOfValues";
  if (packed === undefined) return;
  const bitmapPresent = num(h, "bitmapPresent") === 1;
  const bitmap = h.find("bitmap");
  if (bitmapPresent && bitmap) {
    if (bitmap.length * 8 < points) {
      refuse(h, "bitmap", `a bitmap of ${bitmap.length * 8} bits cannot mark ${points} points`);
    }
    const marked = ones(h.bytes, bitmap.offset, points);
    if (marked !== packed) {
      refuse(h, packedKey, `the bitmap marks ${marked} points present but ${packed} values are packed`);
    }
  } else if (!bitmapPresent && packed !== points && num(h, "bitsPerValue") !== 0) {
    refuse(h, packedKey, `${packed} values are packed for ${points} points, and there is no bitmap`);
  }
}

/** A simply packed data section must hold its values. */
function checkDataLength(h: Handle): void {
  const bpv = num(h, "bitsPerValue");
  if (bpv === undefined) return;
  if (bpv > 64) refuse(h, "bitsPerValue", `${bpv} bits per value (at most 64)`);
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

/** Throws a GribError naming the key, the offset and the contradiction; returns when the field holds together. */
export function checkField(h: Handle, grid: GridDefinition): void {
  if (h.layout.end > h.bytes.length) {
    throw new GribError(
      "corrupt",
      `the sections' keys run to byte ${h.layout.end}, past the message's ${h.bytes.length} bytes`,
      h.fileOffset,
    );
  }
  checkGrid(h, grid);
  if (grid.gridType !== "other") checkCounts(h, grid.numberOfDataPoints);
  checkDataLength(h);
}
