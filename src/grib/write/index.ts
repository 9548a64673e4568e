// Writing GRIB messages from typed field descriptions.
import type { FieldToWrite } from "./field.ts";
import { encodeGrib1 } from "./grib1.ts";
import { encodeGrib2 } from "./grib2.ts";

export { FieldError } from "./common.ts";
export type * from "./field.ts";
export { encodeGrib1 } from "./grib1.ts";
export { encodeGrib2 } from "./grib2.ts";

/** Encode one field as a GRIB message of its edition. */
export function encodeField(field: FieldToWrite): Uint8Array {
  return field.edition === 1 ? encodeGrib1(field) : encodeGrib2(field);
}
