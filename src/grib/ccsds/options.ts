// CCSDS 121.0-B (adaptive entropy coding) parameters, as libaec and GRIB2 template 5.42 name them.

/** Samples are two's-complement signed. */
export const AEC_DATA_SIGNED = 1;
/** Samples of 17..24 bits take 3 bytes (not 4) in libaec's byte buffers; no effect on the bit stream. */
export const AEC_DATA_3BYTE = 2;
/** Samples are big-endian in libaec's byte buffers; no effect on the bit stream. */
export const AEC_DATA_MSB = 4;
/** The unit-delay predictor and mapping of CCSDS 121.0-B section 4 are applied. */
export const AEC_DATA_PREPROCESS = 8;
/** Restricted code options for bits per sample <= 4. */
export const AEC_RESTRICTED = 16;
/** Each reference sample interval starts on a byte boundary. */
export const AEC_PAD_RSI = 32;

export interface CcsdsOptions {
  /** Bits per sample, 1..32. */
  bitsPerSample: number;
  /** Samples per block: 8, 16, 32 or 64 (ecCodes' ccsdsBlockSize). */
  blockSize: number;
  /** Blocks per reference sample interval, 1..4096 (ecCodes' ccsdsRsi). */
  rsi: number;
  /** AEC_* flags (ecCodes' ccsdsFlags; ecCodes writes 14 = PREPROCESS | MSB | 3BYTE). */
  flags: number;
}

/** Thrown for a malformed CCSDS stream; `offset` is the byte offset in the stream where it was noticed. */
export class CcsdsError extends Error {
  override name = "CcsdsError";
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(`${message} (at byte ${offset} of the CCSDS stream)`);
    this.offset = offset;
  }
}

/** Length in bits of a block's option identifier (CCSDS 121.0-B table 5-1, libaec's id_len). */
export function idLength(bitsPerSample: number, flags: number): number {
  if (bitsPerSample > 16) return 5;
  if (bitsPerSample > 8) return 4;
  if (flags & AEC_RESTRICTED && bitsPerSample <= 4) return bitsPerSample <= 2 ? 1 : 2;
  return 3;
}

export function validateOptions(o: CcsdsOptions): void {
  if (!Number.isInteger(o.bitsPerSample) || o.bitsPerSample < 1 || o.bitsPerSample > 32) {
    throw new CcsdsError(`bits per sample ${o.bitsPerSample} is outside 1..32`, 0);
  }
  if (!Number.isInteger(o.blockSize) || o.blockSize < 2 || o.blockSize % 2 !== 0 || o.blockSize > 64) {
    throw new CcsdsError(`block size ${o.blockSize} is not an even number up to 64 (8, 16, 32, 64)`, 0);
  }
  if (!Number.isInteger(o.rsi) || o.rsi < 1 || o.rsi > 4096) {
    throw new CcsdsError(`reference sample interval ${o.rsi} is outside 1..4096`, 0);
  }
}
