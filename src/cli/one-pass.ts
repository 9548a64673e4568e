// V8's settings for a command that reads its input in one pass and exits (`suite check`, which builds
// a model of one large file; ecCodes' tools under `grib`, which decode files a message at a time): what
// suits a server, which runs the same code for days, does not suit it.
import { setFlagsFromString } from "node:v8";

/**
 * Below this many characters of input, Turbofan's compiling costs more than its faster code saves
 * before the pass ends: without it `suite check` of 10,000 tasks (1.4 MiB) took ~20 % less CPU for
 * the load, of 30,000 tasks ~15 % less, of 60,000 (8.6 MiB) the same, of 100,000 ~14 % more
 * (bench/RESULTS.md, flow-load).
 */
const TURBOFAN_PAYS_BACK = 8 * 2 ** 20;

/**
 * Set before the pass (the flags are read as the pass runs):
 * - V8's young generation stops growing (`holdYoungGeneration`): it stays at the size start-up left it
 *   (2 MiB a semi-space).
 *   Building a large model, almost all that V8 copies out of the young generation survives, and V8
 *   answers by doubling it up to 16 MiB a semi-space; the fresh pages it then touches cost more in
 *   page faults (system time) than the fewer collections save: 10,000 tasks take about a fifth less
 *   CPU without the growth. (The growth factor is read at each growth; the maximum size is fixed when
 *   the heap is made.) A server's garbage is short-lived requests, which a larger young generation
 *   lets die young.
 * - Below `TURBOFAN_PAYS_BACK` characters, no Turbofan: Maglev's code is enough for one pass.
 */
export function tuneV8ForOnePass(inputLength: number): void {
  holdYoungGeneration();
  if (inputLength < TURBOFAN_PAYS_BACK) setFlagsFromString("--no-turbofan");
}

/** V8's young generation stops growing from here on (see `tuneV8ForOnePass`). */
function holdYoungGeneration(): void {
  setFlagsFromString("--semi-space-growth-factor=1");
}

/**
 * Set when one of ecCodes' tools (`grib ls`, `get`, `get-data`, ...) starts: a pass over files, a
 * message at a time, in a process that exits after it (bench/RESULTS.md, grib whole-process):
 * - the young generation held: the walk keeps each message's keys alive while it is read, scavenges
 *   see them survive and V8 doubled the young generation to 16 MiB a semi-space, 32 MiB of the peak
 *   that saved no CPU;
 * - OpenJPEG's WebAssembly (JPEG 2000 fields) run as Liftoff, V8's baseline compiler, compiles it,
 *   without tiering its hot functions up to TurboFan: TurboFan's compiling of them took ~13 MiB of
 *   the peak and more CPU than its faster code saved until about the sixth 1-million-point field
 *   (Liftoff's code then decodes one in ~1.4 times TurboFan's time). Re-checked on the JPEG 2000
 *   files alone (five fields, two of 1.1 M points): TurboFan for just the hottest function (84 KB
 *   of wasm, most of the decode's time) takes ~380 ms of CPU to compile, more than its code saves on
 *   them. A server or worker, which may decode thousands, keeps the tiering.
 */
export function tuneV8ForGribTools(): void {
  holdYoungGeneration();
  // both: dynamic tiering off alone compiles everything with TurboFan at once
  setFlagsFromString("--no-wasm-dynamic-tiering");
  setFlagsFromString("--no-wasm-tier-up");
}
