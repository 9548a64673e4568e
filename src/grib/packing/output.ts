// The array an unpacker fills: the caller's (a reader reuses one from field to field instead of
// allocating, and later collecting, an array the size of every field), or a new one.

/** Where `count` values go: the first `count` of `out` when given, else a new array. */
export function output(count: number, out?: Float64Array): Float64Array {
  if (!out) return new Float64Array(count);
  if (out.length < count) {
    throw new RangeError(`the output array holds ${out.length} values, ${count} are needed`);
  }
  return out.length === count ? out : out.subarray(0, count);
}

/** `values` in the caller's `out` (for the unpackers that make an array of their own). */
export function copiedTo(values: Float64Array, out?: Float64Array): Float64Array {
  if (!out || values.buffer === out.buffer) return values;
  const target = output(values.length, out);
  target.set(values);
  return target;
}
