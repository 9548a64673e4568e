// Errors from unpacking and packing values. `offset` is relative to the start of the section named by
// `section` (the caller knows where that section sits in the file and may re-raise with an absolute one).
import { GribError, type GribErrorCode } from "../types.ts";

export class PackingError extends GribError {
  override name = "PackingError";
  /** GRIB section the problem is in (4 for GRIB1's binary data section, 5 or 7 for GRIB2). */
  readonly section: number;
  /** Byte offset within that section. */
  readonly sectionOffset: number;
  constructor(code: GribErrorCode, message: string, section: number, sectionOffset: number) {
    super(code, `section ${section}: ${message}`, sectionOffset);
    this.section = section;
    this.sectionOffset = sectionOffset;
  }
}

/** Throw unless `section` has at least `length` bytes. */
export function requireLength(
  section: Uint8Array,
  length: number,
  sectionNumber: number,
  what: string,
): void {
  if (section.length < length) {
    throw new PackingError(
      "corrupt",
      `${what} needs ${length} bytes, the section has ${section.length}`,
      sectionNumber,
      section.length,
    );
  }
}
