// The fields of a GRIB2 message: sections 2-7 may repeat, each repetition (up to a section 7) being one
// more field, with the sections it does not repeat carried over. ecCodes hands out and copies each
// field as a message of its own; so does the codec (standaloneField).
import { readUnsigned } from "./bits.ts";
import { GribError } from "./types.ts";

/** One section: its bytes (header included) and where it starts in the message. */
export interface Section {
  /** Byte offset from the message's "GRIB". */
  offset: number;
  bytes: Uint8Array;
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

type Current = Partial<Record<"s1" | "s2" | "s3" | "s4" | "s5" | "s6", Section>> & { lastBitmap?: Section };

function sectionAt(bytes: Uint8Array, p: number, base: number): { num: number; s: Section } {
  if (p + 5 > bytes.length)
    throw new GribError("bad-section", `section header cut short at byte ${p}`, base + p);
  const len = readUnsigned(bytes, p, 4);
  const num = bytes[p + 4]!;
  if (len < 5 || p + len > bytes.length - 4) {
    throw new GribError(
      "bad-section",
      `section ${num} of ${len} bytes at byte ${p} runs past the message's ${bytes.length} bytes`,
      base + p,
    );
  }
  return { num, s: { offset: p, bytes: bytes.subarray(p, p + len) } };
}

function field(c: Current, s7: Section, base: number): Grib2Field {
  const { s1, s2, s3, s4, s5, s6 } = c;
  if (!s1 || !s3 || !s4 || !s5 || !s6) {
    throw new GribError(
      "bad-section",
      `section 7 at byte ${s7.offset} before sections 1, 3, 4, 5 and 6`,
      base + s7.offset,
    );
  }
  const indicator = s6.bytes[5];
  if (indicator === 254 && !c.lastBitmap) {
    throw new GribError(
      "corrupt",
      `bitmap "same as previous" at byte ${s6.offset} with no previous bitmap`,
      base + s6.offset,
    );
  }
  const bitmap = indicator === 0 ? s6 : indicator === 254 ? c.lastBitmap : undefined;
  return { s1, s2, s3, s4, s5, s6, bitmap, s7 };
}

/** GRIB2 fields, one per section 7; `base` is the message's offset in its file (for errors). */
export function grib2Fields(bytes: Uint8Array, base = 0): Grib2Field[] {
  const fields: Grib2Field[] = [];
  const c: Current = {};
  let p = 16;
  while (p < bytes.length - 4) {
    const { num, s } = sectionAt(bytes, p, base);
    if (num === 7) fields.push(field(c, s, base));
    else if (num >= 1 && num <= 6) {
      c[`s${num}` as "s1"] = s;
      if (num === 6 && s.bytes[5] === 0) c.lastBitmap = s;
    } else throw new GribError("bad-section", `unknown GRIB2 section number ${num} at byte ${p}`, base + p);
    p += s.bytes.length;
  }
  if (p !== bytes.length - 4) {
    throw new GribError(
      "bad-section",
      `sections end at byte ${p}, not at "7777" (byte ${bytes.length - 4})`,
      base + p,
    );
  }
  if (!fields.length) throw new GribError("bad-section", "GRIB2 message without any field (section 7)", base);
  return fields;
}

/**
 * A field of a multi-field GRIB2 message as a message of its own (sections 0-8, the bitmap a "same as
 * previous" refers to copied in), which is how ecCodes hands out and copies such fields.
 */
export function standaloneField(message: Uint8Array, f: Grib2Field): Uint8Array {
  const bitmap = f.s6.bytes[5] === 254 && f.bitmap ? f.bitmap : f.s6;
  const parts = [message.subarray(0, 16), f.s1.bytes];
  if (f.s2) parts.push(f.s2.bytes);
  parts.push(
    f.s3.bytes,
    f.s4.bytes,
    f.s5.bytes,
    bitmap.bytes,
    f.s7.bytes,
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
