// Finds GRIB1 and GRIB2 messages in bytes or a file: "GRIB", the edition and the total length in
// section 0, and "7777" where that length says the message ends. Garbage between messages is skipped; a
// truncated or corrupt message yields a GribError naming its offset and the scan goes on after its
// "GRIB". Files are read by position through a file handle, a block of several messages at a time
// (one read for many small messages); a message larger than a block is read on its own.

import { type FileHandle, open } from "node:fs/promises";
import { readUnsigned } from "./bits.ts";
import { type GribEdition, GribError, type ScannedMessage } from "./types.ts";

const G = 0x47;
const R = 0x52;
const I = 0x49;
const B = 0x42;
const SEVEN = 0x37;

/** Largest message we accept (ecCodes' own limit is memory; 2^53 is JavaScript's). */
const MAX_LENGTH = 2 ** 40;

function isGribAt(buf: Uint8Array, p: number): boolean {
  return buf[p] === G && buf[p + 1] === R && buf[p + 2] === I && buf[p + 3] === B;
}

/** Index of the next "GRIB" in buf at or after `from` whose 4 bytes all lie before `end`, or -1. */
export function findGrib(buf: Uint8Array, from: number, end = buf.length): number {
  let p = buf.indexOf(G, from);
  while (p !== -1 && p + 4 <= end) {
    if (buf[p + 1] === R && buf[p + 2] === I && buf[p + 3] === B) return p;
    p = buf.indexOf(G, p + 1);
  }
  return -1;
}

function endsWith7777(buf: Uint8Array, end: number): boolean {
  return buf[end - 4] === SEVEN && buf[end - 3] === SEVEN && buf[end - 2] === SEVEN && buf[end - 1] === SEVEN;
}

/** What section 0 says: edition and declared length (GRIB1's 24-bit length, large flag still set). */
export interface Indicator {
  edition: number;
  length: number;
  /** GRIB1 with bit 0x800000 in the length: the real length needs section 4's length (ecCodes' rule). */
  large: boolean;
}

/** Parses section 0 from its first 16 bytes (GRIB1 needs only 8). */
export function parseIndicator(head: Uint8Array, p = 0): Indicator {
  const edition = head[p + 7];
  if (edition === 1) {
    const length = readUnsigned(head, p + 4, 3);
    return { edition, length, large: (length & 0x800000) !== 0 };
  }
  if (edition === 2) return { edition, length: readUnsigned(head, p + 8, 8), large: false };
  return { edition, length: 0, large: false };
}

/**
 * GRIB1 messages over 8 MB: the 24-bit length counts 120-byte blocks and section 4's length field holds
 * a small remainder; the real length is blocks*120 - remainder + 4 (as ecCodes reads them).
 */
export function grib1LargeLength(declared: number, section4Length: number): number {
  if (section4Length >= 120) return declared;
  return (declared & 0x7fffff) * 120 - section4Length + 4;
}

/** Offsets (from "GRIB") of the GRIB1 section 4 header, walking sections 1-3. */
function grib1Section4Offset(read: (pos: number, n: number) => Uint8Array | null): number | null {
  const s1 = read(8, 8);
  if (!s1) return null;
  const s1len = readUnsigned(s1, 0, 3);
  const flags = s1[7];
  let pos = 8 + s1len;
  if (flags & 0x80) {
    const s2 = read(pos, 3);
    if (!s2) return null;
    pos += readUnsigned(s2, 0, 3);
  }
  if (flags & 0x40) {
    const s3 = read(pos, 3);
    if (!s3) return null;
    pos += readUnsigned(s3, 0, 3);
  }
  return pos;
}

/** Real total length of a GRIB1 message whose length has the large flag, or null if the bytes end first. */
function grib1RealLength(
  declared: number,
  read: (pos: number, n: number) => Uint8Array | null,
): number | null {
  const s4 = grib1Section4Offset(read);
  if (s4 === null) return null;
  const s4head = read(s4, 3);
  if (!s4head) return null;
  return grib1LargeLength(declared, readUnsigned(s4head, 0, 3));
}

function badEdition(p: number, edition: number): GribError {
  return new GribError("bad-header", `"GRIB" followed by edition ${edition}, not 1 or 2`, p, 4);
}

/** Scans bytes held in memory. `baseOffset` is added to every offset reported. */
export function* scanBuffer(buf: Uint8Array, baseOffset = 0): Generator<ScannedMessage | GribError> {
  let pos = 0;
  while (pos < buf.length) {
    const p = findGrib(buf, pos);
    if (p === -1) return;
    const at = baseOffset + p;
    if (p + 16 > buf.length) {
      yield new GribError("truncated", "message header cut short by the end of the data", at, buf.length - p);
      return;
    }
    const ind = parseIndicator(buf, p);
    if (ind.edition !== 1 && ind.edition !== 2) {
      yield badEdition(at, ind.edition);
      pos = p + 4;
      continue;
    }
    let length: number | null = ind.length;
    if (ind.large) {
      length = grib1RealLength(ind.length, (off, n) =>
        p + off + n <= buf.length ? buf.subarray(p + off, p + off + n) : null,
      );
    }
    if (length === null || p + length > buf.length) {
      yield new GribError(
        "truncated",
        `message of ${length ?? "unknown"} bytes cut short: only ${buf.length - p} bytes remain`,
        at,
        buf.length - p,
      );
      pos = p + 4;
      continue;
    }
    if (length < 24 || length > MAX_LENGTH || !endsWith7777(buf, p + length)) {
      yield new GribError("bad-end", `no "7777" at the end of a message of ${length} declared bytes`, at, 4);
      pos = p + 4;
      continue;
    }
    yield {
      offset: at,
      length,
      edition: ind.edition as GribEdition,
      bytes: buf.subarray(p, p + length),
    };
    pos = p + length;
  }
}

export interface ScanFileOptions {
  /**
   * Bytes read at a time (default 4 MiB): the window searched for "GRIB" and the block small messages
   * are served from; a message larger than it is read by itself.
   */
  chunkSize?: number;
  /** Start scanning at this byte offset. */
  start?: number;
  /**
   * Serve each message from the reader's own buffers: a message's bytes are valid only until the next
   * one is requested. Saves allocating (and collecting) a buffer per message when each is consumed at once.
   * A `ScanBuffers` given here serves too, and is kept for the scans of the next files.
   */
  reuse?: boolean | ScanBuffers;
}

/**
 * The bytes scans read into, kept from one file's scan to the next: the read block and the buffer of
 * messages larger than it. A walk over many files that took fresh ones per file would leave each
 * file's block to the garbage collector, which frees array buffers only once tens of MiB of them have
 * piled up (bench/RESULTS.md, grib whole-process: about 20 MiB of the peak over 76 files).
 */
export class ScanBuffers {
  private blockBytes = new Uint8Array(0);
  private messageBytes = new Uint8Array(0);

  /** A buffer of `n` bytes for blocks. */
  block(n: number): Uint8Array {
    // not zero-filled: every byte served is read from the file first
    if (this.blockBytes.length < n) this.blockBytes = Buffer.allocUnsafeSlow(n);
    return this.blockBytes.subarray(0, n);
  }

  /** A buffer of `n` bytes for a message larger than a block (doubled as it grows). */
  message(n: number): Uint8Array {
    if (this.messageBytes.length < n) {
      this.messageBytes = Buffer.allocUnsafeSlow(Math.max(n, this.messageBytes.length * 2));
    }
    return this.messageBytes.subarray(0, n);
  }
}

/** A file read a block at a time: the bytes of [start, end) are in `block`. */
class BlockReader {
  block: Uint8Array;
  start = 0;
  end = 0;
  private readonly fh: FileHandle;
  readonly size: number;

  constructor(fh: FileHandle, size: number, blockSize: number, buffers: ScanBuffers) {
    this.fh = fh;
    this.size = size;
    this.block = buffers.block(Math.min(blockSize, Math.max(size, 64)));
  }

  /** Bytes [pos, pos + n) into the block if the file has them (reads a whole block from pos); false if not. */
  async cover(pos: number, n: number): Promise<boolean> {
    if (pos >= this.start && pos + n <= this.end) return true;
    if (pos + n > this.size || n > this.block.length) return false;
    const got = await this.read(this.block, pos, Math.min(this.block.length, this.size - pos));
    this.start = pos;
    this.end = pos + got;
    return pos + n <= this.end;
  }

  /** Reads `n` bytes at file position `pos` into `target`; returns how many there were. */
  async read(target: Uint8Array, pos: number, n: number): Promise<number> {
    let got = 0;
    while (got < n) {
      const { bytesRead } = await this.fh.read(target, got, n - got, pos + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got;
  }

  /** A copy of bytes [pos, pos + n), or null past the end of the file. */
  async bytes(pos: number, n: number): Promise<Uint8Array | null> {
    if (await this.cover(pos, n)) return this.block.slice(pos - this.start, pos - this.start + n);
    const piece = new Uint8Array(n);
    return (await this.read(piece, pos, n)) === n ? piece : null;
  }
}

/** The real length of a large GRIB1 message at `p`: sections 1-3 walked by small reads to section 4's length. */
async function largeGrib1Length(reader: BlockReader, p: number, declared: number): Promise<number | null> {
  const pieces = new Map<number, Uint8Array>();
  let length: number | null = null;
  for (let round = 0; round < 4; round++) {
    const missing: Array<[number, number]> = [];
    length = grib1RealLength(declared, (off, len) => {
      const piece = pieces.get(off);
      if (piece && piece.length >= len) return piece;
      missing.push([off, len]);
      return null;
    });
    if (!missing.length) break;
    for (const [off, len] of missing) {
      const piece = await reader.bytes(p + off, len);
      if (piece) pieces.set(off, piece);
    }
  }
  return length;
}

/**
 * Scans a file of any size, yielding each message (its own buffer, or with `reuse` the reader's) or a
 * GribError. Reads a block at a time while searching and for messages that fit in one.
 */
export async function* scanFile(
  path: string,
  options: ScanFileOptions = {},
): AsyncGenerator<ScannedMessage | GribError> {
  const fh = await open(path, "r");
  try {
    const size = (await fh.stat()).size;
    const reuse = options.reuse === true ? new ScanBuffers() : options.reuse || undefined;
    const reader = new BlockReader(
      fh,
      size,
      Math.max(64, options.chunkSize ?? 4 << 20),
      reuse ?? new ScanBuffers(),
    );
    let pos = options.start ?? 0;
    while (pos < size) {
      // Find the next "GRIB" from pos, a block at a time ("GRIB" may straddle two blocks).
      if (!(await reader.cover(pos, Math.min(4, size - pos))) || size - pos < 4) break;
      const hit = findGrib(reader.block, pos - reader.start, reader.end - reader.start);
      if (hit === -1) {
        if (reader.end >= size) break;
        pos = reader.end - 3;
        continue;
      }
      const p = reader.start + hit;
      if (!(await reader.cover(p, 16))) {
        yield new GribError("truncated", "message header cut short by the end of the file", p, size - p);
        break;
      }
      const ind = parseIndicator(reader.block, p - reader.start);
      if (ind.edition !== 1 && ind.edition !== 2) {
        yield badEdition(p, ind.edition);
        pos = p + 4;
        continue;
      }
      const length = ind.large ? await largeGrib1Length(reader, p, ind.length) : ind.length;
      if (length === null || p + length > size) {
        yield new GribError(
          "truncated",
          `message of ${length ?? "unknown"} bytes cut short: only ${size - p} bytes remain in the file`,
          p,
          size - p,
        );
        pos = p + 4;
        continue;
      }
      if (length < 24 || length > MAX_LENGTH) {
        yield new GribError("bad-end", `impossible message length ${length}`, p, 4);
        pos = p + 4;
        continue;
      }
      let bytes: Uint8Array;
      if (await reader.cover(p, length)) {
        const inBlock = reader.block.subarray(p - reader.start, p - reader.start + length);
        bytes = reuse ? inBlock : Buffer.allocUnsafeSlow(length);
        if (!reuse) bytes.set(inBlock);
      } else {
        // Not zero-filled: every byte is read from the file before anyone sees it.
        bytes = reuse ? reuse.message(length) : Buffer.allocUnsafeSlow(length);
        if ((await reader.read(bytes, p, length)) < length) bytes = bytes.subarray(0, 0);
      }
      if (bytes.length < length || !endsWith7777(bytes, length)) {
        yield new GribError("bad-end", `no "7777" at the end of a message of ${length} declared bytes`, p, 4);
        pos = p + 4;
        continue;
      }
      yield { offset: p, length, edition: ind.edition as GribEdition, bytes };
      pos = p + length;
    }
  } finally {
    await fh.close();
  }
}

/** Scans a stream of chunks (e.g. an upload), holding only the bytes of the message being assembled. */
export async function* scanStream(
  chunks: AsyncIterable<Uint8Array>,
): AsyncGenerator<ScannedMessage | GribError> {
  let buf = new Uint8Array(0);
  let bufStart = 0; // stream offset of buf[0]
  let ended = false;
  const it = chunks[Symbol.asyncIterator]();
  const more = async (): Promise<boolean> => {
    if (ended) return false;
    const next = await it.next();
    if (next.done) {
      ended = true;
      return false;
    }
    const joined = new Uint8Array(buf.length + next.value.length);
    joined.set(buf);
    joined.set(next.value, buf.length);
    buf = joined;
    return true;
  };
  const drop = (n: number) => {
    buf = buf.subarray(n);
    bufStart += n;
  };
  for (;;) {
    let p = findGrib(buf, 0);
    while (p === -1) {
      drop(Math.max(0, buf.length - 3));
      if (!(await more())) return;
      p = findGrib(buf, 0);
    }
    drop(p);
    while (buf.length < 16 && (await more()));
    if (buf.length < 16) {
      yield new GribError(
        "truncated",
        "message header cut short by the end of the stream",
        bufStart,
        buf.length,
      );
      return;
    }
    const ind = parseIndicator(buf);
    if (ind.edition !== 1 && ind.edition !== 2) {
      yield badEdition(bufStart, ind.edition);
      drop(4);
      continue;
    }
    let length: number | null = ind.length;
    if (ind.large) {
      for (;;) {
        length = grib1RealLength(ind.length, (off, n) =>
          off + n <= buf.length ? buf.subarray(off, off + n) : null,
        );
        if (length !== null || !(await more())) break;
      }
    }
    if (length !== null && (length < 24 || length > MAX_LENGTH)) {
      yield new GribError("bad-end", `impossible message length ${length}`, bufStart, 4);
      drop(4);
      continue;
    }
    while (length !== null && buf.length < length && (await more()));
    if (length === null || buf.length < length) {
      yield new GribError(
        "truncated",
        `message of ${length ?? "unknown"} bytes cut short: the stream ended after ${buf.length}`,
        bufStart,
        buf.length,
      );
      drop(4);
      continue;
    }
    if (!endsWith7777(buf, length)) {
      yield new GribError(
        "bad-end",
        `no "7777" at the end of a message of ${length} declared bytes`,
        bufStart,
        4,
      );
      drop(4);
      continue;
    }
    yield { offset: bufStart, length, edition: ind.edition as GribEdition, bytes: buf.slice(0, length) };
    drop(length);
  }
}

export { isGribAt };
