// Keys with a value of their own rather than bytes: `constant` and `transient` definitions (ecCodes'
// variable accessor), whose type is the type of the expression that set them.
import {
  Accessor,
  type AccessorHost,
  MISSING_DOUBLE,
  MISSING_LONG,
  type NativeType,
  printG,
} from "./accessor.ts";

export type VariableValue =
  | { type: "long"; v: number }
  | { type: "double"; v: number }
  | { type: "string"; v: string };

export class VariableAccessor extends Accessor {
  readonly cls: string;
  private value: VariableValue;
  constructor(
    host: AccessorHost,
    cls: string,
    name: string,
    ns: string | undefined,
    flags: number,
    offset: number,
    value: VariableValue,
  ) {
    super(host, name, ns, flags, offset);
    this.cls = cls;
    this.value = value;
  }

  override nativeType(): NativeType {
    return this.value.type;
  }

  override long(): number {
    const v = this.value;
    if (v.type === "string") return Number.parseInt(v.v, 10) || 0;
    return v.type === "double" ? Math.trunc(v.v) : v.v;
  }

  override double(): number {
    const v = this.value;
    return v.type === "string" ? Number.parseFloat(v.v) || 0 : v.v;
  }

  override string(): string {
    const v = this.value;
    if (v.type === "string") return v.v;
    if (v.type === "double")
      return v.v === MISSING_DOUBLE && this.has("can_be_missing") ? "MISSING" : printG(v.v);
    return v.v === MISSING_LONG && this.has("can_be_missing") ? "MISSING" : String(v.v);
  }

  override isMissing(): boolean {
    const v = this.value;
    return v.type === "long" ? v.v === MISSING_LONG : v.type === "double" ? v.v === MISSING_DOUBLE : false;
  }

  set(value: VariableValue): void {
    this.value = value;
  }
}

/** `transient name = { 1.5, 2.5 }`: an array of doubles. */
export class DoubleArrayAccessor extends Accessor {
  readonly cls = "transient_darray";
  private readonly values: number[];
  constructor(host: AccessorHost, name: string, flags: number, offset: number, values: number[]) {
    super(host, name, undefined, flags, offset);
    this.values = values;
  }
  override nativeType(): NativeType {
    return "double";
  }
  override count(): number {
    return this.values.length;
  }
  override double(): number {
    if (this.values.length !== 1) throw this.tooSmall();
    return this.values[0]!;
  }
  override doubles(): number[] {
    return this.values;
  }
}
