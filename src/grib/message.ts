// A message decoded: metadata at once, geometry and values on demand. A GRIB2 message with several
// fields gives one DecodedMessage per field (as ecCodes counts them).

import { gridGeometry, normalisationOrder, reorder } from "./geometry.ts";
import { type FieldDescription, grib1Metadata, grib2Metadata } from "./metadata.ts";
import { PackingError, unpackGrib1, unpackGrib2 } from "./packing/index.ts";
import {
  type Grib2Field,
  type Layout,
  layout,
  type Section,
  standaloneField,
  standaloneLength,
} from "./sections.ts";
import { type DecodedMessage, GribError } from "./types.ts";

export interface DecodeOptions {
  /** Offset of the message in its file (reported as `offset` and in errors). */
  offset?: number;
}

/** Expands packed values to every grid point: NaN where the bitmap has a 0 bit. */
export function applyBitmap(
  packed: Float64Array,
  bitmap: Uint8Array,
  bitmapStart: number,
  numberOfDataPoints: number,
  errorOffset: number,
): Float64Array {
  const out = new Float64Array(numberOfDataPoints);
  let v = 0;
  const bytes = Math.ceil(numberOfDataPoints / 8);
  if (bitmapStart + bytes > bitmap.length) {
    throw new GribError(
      "corrupt",
      `bitmap of ${bitmap.length - bitmapStart} bytes for ${numberOfDataPoints} points`,
      errorOffset,
    );
  }
  for (let byte = 0, k = 0; byte < bytes; byte++) {
    const b = bitmap[bitmapStart + byte];
    if (b === 0xff && k + 8 <= numberOfDataPoints && v + 8 <= packed.length) {
      for (let bit = 0; bit < 8; bit++) out[k++] = packed[v++];
      continue;
    }
    for (let bit = 7; bit >= 0 && k < numberOfDataPoints; bit--) {
      if ((b >> bit) & 1) {
        out[k++] = v < packed.length ? packed[v++] : Number.NaN;
      } else out[k++] = Number.NaN;
    }
  }
  if (v !== packed.length) {
    throw new GribError(
      "corrupt",
      `bitmap marks ${v} points present but ${packed.length} values are packed`,
      errorOffset,
    );
  }
  return out;
}

/** Re-raises packing errors with the absolute offset of the section they are in. */
function atSection<T>(section: Section, base: number, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof PackingError) {
      throw new GribError(e.code, e.message, base + section.offset + e.sectionOffset);
    }
    if (e instanceof GribError) throw e;
    throw new GribError("corrupt", `cannot decode values: ${(e as Error).message}`, base + section.offset);
  }
}

function decoded(
  desc: FieldDescription,
  values: (base: number) => Float64Array,
  base: number,
  missingInData = false,
): DecodedMessage {
  const { metadata, grid } = desc;
  let cache: Float64Array | undefined;
  if (missingInData) {
    // Complex packing marks missing values inside the data: like ecCodes, count them by decoding, on
    // first use of the key.
    let counted: number | undefined;
    const fromBitmap = metadata.numberOfMissing;
    Object.defineProperty(metadata, "numberOfMissing", {
      enumerable: true,
      configurable: true,
      get: () => {
        if (counted === undefined) {
          try {
            raw();
          } catch {
            counted = fromBitmap;
          }
        }
        return counted;
      },
      set: (v: number) => {
        counted = v;
      },
    });
  }
  const raw = () => {
    if (!cache) {
      try {
        cache = values(base);
      } catch (e) {
        if (e instanceof GribError) throw e;
        throw new GribError("corrupt", `cannot decode values: ${(e as Error).message}`, base);
      }
      let missing = 0;
      for (let i = 0; i < cache.length; i++) if (Number.isNaN(cache[i])) missing++;
      metadata.numberOfMissing = missing;
    }
    return cache;
  };
  return {
    metadata,
    grid,
    geometry: (options = {}) => {
      try {
        return gridGeometry(grid, options);
      } catch (e) {
        if (e instanceof GribError)
          throw new GribError(e.code, e.message.replace(/ \(at byte offset \d+\)$/, ""), base);
        throw e;
      }
    },
    values: (options = {}) => (options.normalise ? reorder(raw(), normalisationOrder(grid)) : raw()),
  };
}

function grib1Values(
  l: Extract<Layout, { edition: 1 }>,
  desc: FieldDescription,
): (base: number) => Float64Array {
  return (base) => {
    const m = desc.metadata;
    const packed = atSection(l.s4, base, () =>
      unpackGrib1(l.s4.bytes, m.numberOfValues, m.decimalScaleFactor),
    );
    if (!l.s3) return packed;
    const s3 = l.s3;
    return applyBitmap(packed, s3.bytes, 6, m.numberOfDataPoints, base + s3.offset);
  };
}

/** GRIB2 complex packing (5.2, 5.3) with missing value management (section 5 octet 23). */
function missingManagedInData(f: Grib2Field): boolean {
  const s5 = f.s5.bytes;
  const template = s5.length > 10 ? s5[9] * 256 + s5[10] : -1;
  return (template === 2 || template === 3) && s5.length > 22 && s5[22] !== 0;
}

/** Every field of a message (one for GRIB1; one per section 7 for GRIB2). */
export function decodeFields(bytes: Uint8Array, options: DecodeOptions = {}): DecodedMessage[] {
  const base = options.offset ?? 0;
  const l = layout(bytes, base);
  const total = bytes.length;
  const wrap = <T>(run: () => T): T => {
    try {
      return run();
    } catch (e) {
      if (e instanceof GribError) throw e;
      throw new GribError("corrupt", `cannot read the message's metadata: ${(e as Error).message}`, base);
    }
  };
  if (l.edition === 1) {
    const desc = wrap(() => grib1Metadata(l, total, base));
    return [decoded(desc, grib1Values(l, desc), base)];
  }
  const multi = l.fields.length > 1;
  return l.fields.map((f) => {
    // ecCodes hands out each field of a multi-field message as a message of its own
    const desc = wrap(() => grib2Metadata(f, l.discipline, multi ? standaloneLength(f) : total, base));
    return decoded(
      desc,
      (b) => {
        const m = desc.metadata;
        const template = m.dataRepresentationTemplateNumber ?? 0;
        const packed = atSection(f.s7, b, () =>
          unpackGrib2(template, f.s5.bytes, f.s7.bytes, m.numberOfValues),
        );
        if (!f.bitmap) return packed;
        return applyBitmap(packed, f.bitmap.bytes, 6, m.numberOfDataPoints, b + f.bitmap.offset);
      },
      base,
      missingManagedInData(f),
    );
  });
}

/** Each field of a message as ecCodes copies it: the message itself, or one message per field. */
export function fieldMessages(bytes: Uint8Array, options: DecodeOptions = {}): Uint8Array[] {
  const l = layout(bytes, options.offset ?? 0);
  if (l.edition === 1 || l.fields.length === 1) return [bytes];
  return l.fields.map((f) => standaloneField(bytes, f));
}

/** The first field of a message (or field `field`, 0-based, of a multi-field GRIB2 message). */
export function decodeMessage(
  bytes: Uint8Array,
  options: DecodeOptions & { field?: number } = {},
): DecodedMessage {
  const fields = decodeFields(bytes, options);
  const index = options.field ?? 0;
  const f = fields[index];
  if (!f) {
    throw new GribError(
      "bad-section",
      `message has ${fields.length} fields, no field ${index}`,
      options.offset ?? 0,
    );
  }
  return f;
}
