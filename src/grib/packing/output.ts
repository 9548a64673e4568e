// The array an unpacker fills: the caller's (a reader reuses one from field to field instead of
// allocating, and later collecting, an array the size of every field), or a new one. Every unpacker
// writes each of its values, so an array holding an earlier field's serves as it is.

/** Where `count` values go: the first `count` of `out` when given, else a new array. */
export function output(count: number, out?: Float64Array): Float64Array {
  if (!out) return new Float64Array(count);
  if (out.length < count) {
    throw new RangeError(`the output array holds ${out.length} values, ${count} are needed`);
  }
  return out.length === count ? out : out.subarray(0, count);
}
