// The base of computed keys: the arguments of `meta name class(args)` and what a class may ask of its
// message (keys, the codec's values, where the message sits in its file).
import { Accessor, type AccessorHost } from "../accessor.ts";
import type { Expr, MetaStatement } from "../ast.ts";
import type { KeySource } from "../expression.ts";

/** The codec's values of the message, as the data keys need them. */
export interface ValuesProvider {
  /** Every grid point's value, NaN where missing. */
  values(): Float64Array;
  /** The packed values, before the bitmap is applied. */
  codedValues(): Float64Array;
}

/** What computed keys may ask of their message beyond its keys. */
export interface MetaContext extends AccessorHost, KeySource {
  evaluateLong(e: Expr): number;
  /** The codec's values (every point; NaN where missing) and packed values. */
  readonly data: ValuesProvider;
  /** The message's offset in its file and its number there (ecCodes' offset and count keys). */
  readonly fileOffset: number;
  readonly messageNumber: number;
}

/** A computed key: its class, its arguments (key names or expressions) and its context. */
export abstract class MetaAccessor extends Accessor {
  readonly cls: string;
  readonly args: Expr[];
  readonly ctx: MetaContext;
  /** Whether the value reads the message beyond other keys (its data, bits, file position). */
  protected readonly readsMessage: boolean = false;
  constructor(ctx: MetaContext, s: MetaStatement, offset: number) {
    super(ctx, s.n, s.ns, s.flags ?? 0, offset);
    this.cls = s.c;
    this.args = s.args;
    this.ctx = ctx;
  }

  override ownBytes(): readonly [number, number] | undefined {
    return this.readsMessage ? undefined : super.ownBytes();
  }

  /** The name of the key argument `i` (`grib_arguments_get_name`). */
  protected key(i: number): string {
    const e = this.args[i];
    if (e === undefined || typeof e === "number") return "";
    if ("k" in e) return e.k;
    if ("s" in e) return e.s;
    return "";
  }

  protected hasArg(i: number): boolean {
    return this.args[i] !== undefined;
  }

  /** Argument `i` evaluated as a whole number (a key's value, or a constant). */
  protected argLong(i: number): number {
    return this.ctx.evaluateLong(this.args[i]!);
  }

  protected longOf(i: number): number {
    return this.ctx.long(this.key(i));
  }

  protected doubleOf(i: number): number {
    return this.ctx.double(this.key(i));
  }

  protected stringOf(i: number): string {
    return this.ctx.string(this.key(i));
  }
}

export type MetaClass = new (ctx: MetaContext, s: MetaStatement, offset: number) => MetaAccessor;
