// Section layout of one message: where each section starts and ends. GRIB1 has sections 0-5 with
// optional 2 (grid) and 3 (bitmap); GRIB2 has sections 0-8 where sections 2-7 may repeat, each
// repetition being one more field (ecCodes counts every field as a message).

import { GribError } from "./types.ts";

/** One section: its bytes (header included) and where it starts in the message. */
export interface Section {
  /** Byte offset from the message's "GRIB". */
  offset: number;
  bytes: Uint8Array;
}

export interface Grib1Layout {
  edition: 1;
  s1: Section;
  s2?: Section;
  s3?: Section;
  s4: Section;
}

export interface Grib2Field {
  s1: Section;
  s2?: Section;
  s3: Section;
  s4: Section;
  s5: Section;
  /** The bitmap section as written (indicator 254 "same as previous" kept). */
  s6: Section;
  /** For indicator 254: the earlier section 6 of the same message whose bitmap applies. */
  bitmap?: Section;
  s7: Section;
}

export interface Grib2Layout {
  edition: 2;
  discipline: number;
  fields: Grib2Field[];
}

export type Layout = Grib1Layout | Grib2Layout;

function u(buf: Uint8Array, p: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + buf[p + i];
  return v;
}

function section(bytes: Uint8Array, offset: number, length: number, base: number, what: string): Section {
  if (length < 3 || offset + length > bytes.length) {
    throw new GribError(
      "bad-section",
      `${what} of ${length} bytes at byte ${offset} runs past the message's ${bytes.length} bytes`,
      base + offset,
    );
  }
  return { offset, bytes: bytes.subarray(offset, offset + length) };
}

/**
 * GRIB1 sections. `base` is the message's offset in its file (for error offsets). Messages over 8 MB
 * code section 4's length as a remainder: its real length is what is left before "7777".
 */
export function grib1Layout(bytes: Uint8Array, base = 0): Grib1Layout {
  const total = bytes.length;
  let p = 8;
  if (p + 8 > total) throw new GribError("bad-section", "GRIB1 message too short for section 1", base);
  const s1 = section(bytes, p, u(bytes, p, 3), base, "GRIB1 section 1");
  const flags = bytes[p + 7];
  p += s1.bytes.length;
  let s2: Section | undefined;
  let s3: Section | undefined;
  if (flags & 0x80) {
    s2 = section(bytes, p, u(bytes, p, 3), base, "GRIB1 section 2 (grid)");
    p += s2.bytes.length;
  }
  if (flags & 0x40) {
    s3 = section(bytes, p, u(bytes, p, 3), base, "GRIB1 section 3 (bitmap)");
    p += s3.bytes.length;
  }
  let len4 = u(bytes, p, 3);
  const large = (u(bytes, 4, 3) & 0x800000) !== 0;
  if (large && len4 < 120) len4 = total - 4 - p;
  const s4 = section(bytes, p, len4, base, "GRIB1 section 4 (data)");
  return { edition: 1, s1, s2, s3, s4 };
}

/** GRIB2 sections, one entry per field; repeated sections carry over to the next field. */
export function grib2Layout(bytes: Uint8Array, base = 0): Grib2Layout {
  const total = bytes.length;
  const fields: Grib2Field[] = [];
  let p = 16;
  let s1: Section | undefined;
  let s2: Section | undefined;
  let s3: Section | undefined;
  let s4: Section | undefined;
  let s5: Section | undefined;
  let s6: Section | undefined;
  let lastBitmap: Section | undefined;
  while (p < total - 4) {
    if (p + 5 > total) throw new GribError("bad-section", `section header cut short at byte ${p}`, base + p);
    const len = u(bytes, p, 4);
    const num = bytes[p + 4];
    const s = section(bytes, p, len, base, `GRIB2 section ${num}`);
    switch (num) {
      case 1:
        s1 = s;
        break;
      case 2:
        s2 = s;
        break;
      case 3:
        s3 = s;
        break;
      case 4:
        s4 = s;
        break;
      case 5:
        s5 = s;
        break;
      case 6: {
        s6 = s;
        const indicator = s.bytes[5];
        if (indicator === 0) lastBitmap = s;
        break;
      }
      case 7: {
        if (!s1 || !s3 || !s4 || !s5 || !s6) {
          throw new GribError(
            "bad-section",
            `section 7 at byte ${p} before sections 1, 3, 4, 5 and 6`,
            base + p,
          );
        }
        const indicator = s6.bytes[5];
        if (indicator === 254 && !lastBitmap) {
          throw new GribError(
            "corrupt",
            `bitmap "same as previous" at byte ${s6.offset} with no previous bitmap`,
            base + s6.offset,
          );
        }
        fields.push({
          s1,
          s2,
          s3,
          s4,
          s5,
          s6,
          bitmap: indicator === 0 ? s6 : indicator === 254 ? lastBitmap : undefined,
          s7: s,
        });
        break;
      }
      default:
        throw new GribError("bad-section", `unknown GRIB2 section number ${num} at byte ${p}`, base + p);
    }
    p += len;
  }
  if (p !== total - 4) {
    throw new GribError(
      "bad-section",
      `sections end at byte ${p}, not at "7777" (byte ${total - 4})`,
      base + p,
    );
  }
  if (!fields.length) throw new GribError("bad-section", "GRIB2 message without any field (section 7)", base);
  return { edition: 2, discipline: bytes[6], fields };
}

export function layout(bytes: Uint8Array, base = 0): Layout {
  const edition = bytes[7];
  if (edition === 1) return grib1Layout(bytes, base);
  if (edition === 2) return grib2Layout(bytes, base);
  throw new GribError("bad-header", `edition ${edition} is not 1 or 2`, base);
}

/**
 * A field of a multi-field GRIB2 message as a message of its own (sections 0-8, the bitmap a "same as
 * previous" refers to copied in), which is how ecCodes hands out and copies such fields.
 */
export function standaloneField(message: Uint8Array, field: Grib2Field): Uint8Array {
  const bitmap = field.s6.bytes[5] === 254 && field.bitmap ? field.bitmap : field.s6;
  const parts = [message.subarray(0, 16), field.s1.bytes];
  if (field.s2) parts.push(field.s2.bytes);
  parts.push(
    field.s3.bytes,
    field.s4.bytes,
    field.s5.bytes,
    bitmap.bytes,
    field.s7.bytes,
    message.subarray(message.length - 4),
  );
  const total = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  let v = total;
  for (let i = 15; i >= 8; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
}

/** Length of standaloneField(message, field) without building it. */
export function standaloneLength(field: Grib2Field): number {
  const bitmap = field.s6.bytes[5] === 254 && field.bitmap ? field.bitmap : field.s6;
  return (
    16 +
    field.s1.bytes.length +
    (field.s2?.bytes.length ?? 0) +
    field.s3.bytes.length +
    field.s4.bytes.length +
    field.s5.bytes.length +
    bitmap.bytes.length +
    field.s7.bytes.length +
    4
  );
}
