// `cloudburst grib copy` (grib_copy) and `grib split`: the selected messages (-w) written to the last
// argument, whose name may hold [key] templates filled from each message ([shortName]_[step].grib,
// out_[count].grib). A field of a multi-field GRIB2 message is written as a message of its own, as
// grib_copy does; the bytes are otherwise the input's, unchanged.
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { fieldMessages } from "../../../grib/index.ts";
import { UserError } from "../../errors.ts";
import { type Field, parseWhere, reportUnreadable, walk } from "./tool.ts";

export interface CopyOptions {
  w?: string;
}

/** "[key]" placeholders filled from a field's keys, as grib_recompose_name does. */
function fileName(template: string, f: Field): string {
  return template.replace(/\[([^\]:]+)(?::[a-z])?\]/g, (_all, key: string) => {
    if (key === "count") return String(f.count);
    const a = f.field.keys.find(key);
    if (!a) throw new UserError(`key "${key}" of the output name is not in message ${f.count} of ${f.file}`);
    return a.string();
  });
}

/** Copies the fields of `inputs` to `template`; returns the exit status and what was written. */
export async function copyFields(
  inputs: string[],
  template: string,
  o: CopyOptions,
  makeDirs = false,
): Promise<{ status: number; written: number; files: number }> {
  const handles = new Map<string, number>();
  let written = 0;
  try {
    const result = await walk(inputs, parseWhere(o.w), {
      field: (f) => {
        const bytes = f.fields > 1 ? fieldMessages(f.bytes)[f.fieldInMessage]! : f.bytes;
        const path = fileName(template, f);
        let fd = handles.get(path);
        if (fd === undefined) {
          if (makeDirs) mkdirSync(dirname(path), { recursive: true });
          try {
            fd = openSync(path, "w");
          } catch (e) {
            throw new UserError(`${path}: ${(e as Error).message}`, "check that the output directory exists");
          }
          handles.set(path, fd);
        }
        let off = 0;
        while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
        written++;
      },
      unreadable: (file, e) => reportUnreadable(process.stdout, file, e),
    });
    return { status: result.error || (result.empty.length ? 1 : 0), written, files: handles.size };
  } finally {
    for (const fd of handles.values()) closeSync(fd);
  }
}
