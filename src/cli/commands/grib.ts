// `cloudburst grib ls|get|get-data|compare|copy|split|dump`: ecCodes' GRIB tools, with their flags,
// their output and their exit codes (so scripts written for grib_ls, grib_compare, ... run with these
// in their place: `cloudburst shims DIR` writes commands of ecCodes' names). README lists the differences.
// Each tool's module is loaded when it runs: these commands are run by scripts, many times.
import type { Command } from "commander";
import { ALL_KEYS } from "../../grib/keys.ts";
import { UsageError } from "../errors.ts";
import { tuneV8ForGribTools } from "../one-pass.ts";

type Options = Record<string, string | boolean | undefined>;

function done(status: number): void {
  if (status) process.exitCode = status;
}

/** Flags ecCodes' tools accept that change nothing here (multi-field support is always on, ...). */
function quietFlags(c: Command, flags: string[]): Command {
  const help: Record<string, string> = {
    "-M": "accepted for ecCodes compatibility (multi-field messages are always split into fields)",
    "-7": "accepted for ecCodes compatibility (a message with a wrong length is reported and skipped)",
    "-f": "accepted for ecCodes compatibility (unreadable messages are reported and skipped)",
    "-v": "accepted for ecCodes compatibility",
    "-g": "accepted for ecCodes compatibility (no GTS headers are written)",
    "-H": "accepted for ecCodes compatibility",
  };
  for (const f of flags) c.option(f, help[f] ?? "accepted for ecCodes compatibility");
  return c;
}

function lsCommand(grib: Command, tool: "ls" | "get"): void {
  const c = grib
    .command(`${tool} <files...>`)
    .description(
      tool === "ls"
        ? "list messages like grib_ls: a namespace's keys (ls), or -p/-P keys; -j for JSON"
        : "print keys of each message like grib_get (fails on a key not found)",
    )
    .option("-p <keys>", "keys to print (key:s, key:i, key:d for a type)")
    .option("-P <keys>", "keys to print besides the namespace's")
    .option("-w <where>", "only messages where key=value[/value...],key!=value")
    .option("-s <set>", "set keys held in memory before printing (stepUnits=m)")
    .option(
      "-n <namespace>",
      "the keys of a namespace (ls, parameter, time, geography, vertical, mars, statistics)",
    )
    .option("-m", "MARS keys (the mars namespace)")
    .option("-j", "JSON output")
    .option("-F <format>", "C format of doubles", "%g")
    .option("-i <index>", "also print the value at this point index");
  if (tool === "ls") {
    c.option("-W <width>", "minimum column width", "10");
    c.option("--json", "JSON of every metadata key (cloudburst's own; -j prints what grib_ls -j prints)");
  }
  quietFlags(c, ["-M", "-7", "-f", "-v", "-g"]).action(async (files: string[], o: Options) => {
    const opts = { ...o } as Record<string, string | boolean | undefined>;
    if (tool === "ls" && o.json && !o.p && !o.P) {
      opts.j = true;
      opts.p = ALL_KEYS.join(",");
      opts.skipMissingKeys = true;
    }
    const { listKeys } = await import("./grib/ls.ts");
    done(await listKeys(files, opts, tool));
  });
}

export function registerGribCommands(program: Command): void {
  const grib = program
    .command("grib")
    .description("ecCodes' GRIB tools: ls, get, get-data, compare, copy, split, dump")
    // each tool reads its files in one pass, a message at a time, and exits
    .hook("preAction", tuneV8ForGribTools);
  lsCommand(grib, "ls");
  lsCommand(grib, "get");
  quietFlags(
    grib
      .command("get-data <files...>")
      .description("latitude, longitude and value of every point, like grib_get_data")
      .option("-m <missing>", "print missing points with this text (else they are left out)")
      .option("-F <format>", "C format of values", "%.10e")
      .option("-L <format>", "C format of latitude and longitude", "%9.3f%9.3f")
      .option("-p <keys>", "keys printed after each value")
      .option("-w <where>", "only messages where key=value,...")
      .option("-s <set>", "set keys held in memory before printing")
      .option(
        "--message <n>",
        "only message N (from 1); its missing points print as --missing (cloudburst's own)",
      )
      .option("--missing <text>", "text printed for missing points with --message", "9999")
      .option("--skip-missing", "with --message: leave missing points out"),
    ["-M", "-7", "-f", "-v"],
  ).action(async (files: string[], o: Options) => {
    const { getData } = await import("./grib/get-data.ts");
    done(await getData(files, o));
  });
  quietFlags(
    grib
      .command("compare <file1> <file2>")
      .description("compare two files message by message like grib_compare; exit 1 if they differ")
      .option("-A <tolerance>", "absolute tolerance of doubles (with -R: below it values compare absolutely)")
      .option("-R <key=tolerance,...>", "relative tolerance per key, or all=tolerance")
      .option("-P", "values within the packing error")
      .option("-T <factor>", "multiply the tolerances by this factor")
      .option("-b <keys>", "keys not compared")
      .option("-c <keys>", "compare only these keys (key:s/l/d, namespace:n)")
      .option("-a", "with -c: compare -c's keys besides the coded keys")
      .option("-e", "edition independent compare (parameter, time, geography, vertical, data namespaces)")
      .option("-r", "messages in another order (matched by their headers)")
      .option("-H", "compare headers only (not data and bitmap)")
      .option("-w <where>", "only messages of file2 where key=value,...")
      .option("-f", "go on after a differing message, and print a summary")
      .option("-v", "say which key is compared"),
    ["-M", "-7"],
  ).action(async (a: string, b: string, o: Options) => {
    const { compareFiles } = await import("./grib/compare.ts");
    done(await compareFiles(a, b, o));
  });
  quietFlags(
    grib
      .command("copy <files...>")
      .description("copy messages to the last argument like grib_copy; [key] in its name, [count] too")
      .option("-w <where>", "only messages where key=value,..."),
    ["-M", "-7", "-f", "-v", "-g"],
  ).action(async (files: string[], o: Options) => {
    if (files.length < 2) throw new UsageError("grib copy needs input files and an output file");
    const { copyFields } = await import("./grib/copy.ts");
    done((await copyFields(files.slice(0, -1), files.at(-1)!, o)).status);
  });
  grib
    .command("split <file> <dir>")
    .description("write each message to DIR under a name built from its keys (grib_copy's templates)")
    .option("--template <name>", "file name with [key] placeholders", "[shortName]_[level]_[step].grib")
    .action(async (file: string, dir: string, o: { template: string }) => {
      const { copyFields } = await import("./grib/copy.ts");
      const r = await copyFields([file], `${dir.replace(/\/$/, "")}/${o.template}`, {}, true);
      process.stdout.write(`${r.written} messages from ${file} into ${r.files} files in ${dir}\n`);
      done(r.status);
    });
  grib
    .command("dump <files...>")
    .description("every dumped key of every message, like grib_dump; -j for JSON")
    .option("-j", "JSON output")
    .option("--json", "JSON output")
    .option("-w <where>", "only messages where key=value,...")
    .action(async (files: string[], o: Options) => {
      const { dumpFiles } = await import("./grib/dump.ts");
      done(await dumpFiles(files, o));
    });
}
