// Reads a received file once with the codec's streaming scanner: every message with its metadata and
// checksum, and every byte that is not a good message accounted for as a quarantine record (a non-GRIB
// region, a truncated or corrupt message, an unsupported grid) with its offset and length.
import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
import type { QuarantineRecord } from "../catalogue/types.ts";
import { type GribMetadata, isGribError, type ScannedMessage, scanFile } from "../grib/index.ts";

/** The codec's metadata reader; throws (preferably a GribError) for a message it cannot describe. */
export type DescribeMessage = (message: ScannedMessage) => GribMetadata;

export interface ScannedField {
  offset: number;
  length: number;
  checksum: string;
  metadata: GribMetadata;
}

export interface FileScan {
  size: number;
  checksum: string;
  messageCount: number;
  fields: ScannedField[];
  problems: QuarantineRecord[];
}

export interface ScanOptions {
  describe: DescribeMessage;
  /** The whole file's SHA-256 (computed beside the scan, on another thread). */
  sha256: (path: string) => Promise<string>;
  /** Called with each good message's bytes (split mode writes them out). */
  onMessage?: (message: ScannedMessage, field: ScannedField) => Promise<void>;
}

export async function scanReceivedFile(path: string, options: ScanOptions): Promise<FileScan> {
  const [checksum, scan] = await Promise.all([options.sha256(path), scanMessages(path, options)]);
  return { ...scan, checksum };
}

async function scanMessages(path: string, options: ScanOptions): Promise<Omit<FileScan, "checksum">> {
  const { size } = await stat(path);
  const fields: ScannedField[] = [];
  const problems: QuarantineRecord[] = [];
  let messageCount = 0;
  let covered = 0; // end of the last region accounted for
  let pending: QuarantineRecord | null = null; // a scan error, extended to where the next thing starts
  const closeRegion = (until: number) => {
    if (pending) {
      pending.length = Math.max(pending.length, until - pending.offset);
      problems.push(pending);
      pending = null;
    } else if (until > covered) {
      problems.push(notGrib(covered, until - covered));
    }
    covered = Math.max(covered, until);
  };
  // One reused buffer: each message is hashed, described and (split) written before the next is read.
  for await (const item of scanFile(path, { reuse: true })) {
    if (isGribError(item)) {
      closeRegion(item.offset);
      pending = { code: item.code, reason: item.message, offset: item.offset, length: item.length };
      continue;
    }
    closeRegion(item.offset);
    covered = item.offset + item.length;
    messageCount++;
    const checksum = createHash("sha256").update(item.bytes).digest("hex");
    let metadata: GribMetadata;
    try {
      metadata = options.describe(item);
    } catch (error) {
      problems.push({
        code: isGribError(error) ? error.code : "corrupt",
        reason: `message ${messageCount} could not be read: ${(error as Error).message}`,
        offset: item.offset,
        length: item.length,
      });
      continue;
    }
    const field = { offset: item.offset, length: item.length, checksum, metadata };
    fields.push(field);
    await options.onMessage?.(item, field);
  }
  closeRegion(size);
  return { size, messageCount, fields, problems };
}

function notGrib(offset: number, length: number): QuarantineRecord {
  return {
    code: "not-grib",
    reason: `${length} bytes that are not part of any GRIB message`,
    offset,
    length,
  };
}
