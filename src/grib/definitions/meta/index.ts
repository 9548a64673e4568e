// Computed keys (`meta name class(args)`): each ecCodes accessor class the GRIB definitions use, by
// name. A class the codec does not model gives a key that exists but has no value (ecCodes'
// GRIB_NOT_IMPLEMENTED), which the tools report like any other error.
import type { Accessor, NativeType } from "../accessor.ts";
import type { MetaStatement } from "../ast.ts";
import { MetaAccessor, type MetaClass, type MetaContext } from "./base.ts";
import { basicClasses } from "./basic.ts";
import { dataClasses } from "./data.ts";
import { gridClasses } from "./grid.ts";
import { timeClasses } from "./time.ts";

/** A class the codec does not model. */
class NotImplementedMeta extends MetaAccessor {
  override nativeType(): NativeType {
    return "string";
  }
  override string(): string {
    throw this.unsupported("a value");
  }
}

export type { MetaContext };

const classes: Record<string, MetaClass> = {
  ...basicClasses,
  ...timeClasses,
  ...gridClasses,
  ...dataClasses,
};

/** Classes whose keys take bytes (the packed values, bitmaps): their length depends on the message. */
export function metaHasLength(cls: string): boolean {
  return (
    cls.startsWith("data_") || ["g1bitmap", "g2bitmap", "spd", "unsigned_bits", "signed_bits"].includes(cls)
  );
}

export function createMeta(ctx: MetaContext, s: MetaStatement, offset: number): Accessor {
  const Class = classes[s.c] ?? NotImplementedMeta;
  return new Class(ctx, s, offset);
}
