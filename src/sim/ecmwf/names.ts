// LEGACY dissemination names, ccSMMDDHHIImmddhhiiE (ECMWF "Naming convention - IFS data"): feed,
// stream indicator, base time and valid time (month day hour minute), experiment version. Step 0 is
// marked with minute 01 in the valid time.

export function legacyDisseminationName(
  feed: string,
  stream: string,
  baseTime: Date,
  step: number,
  expver = "1",
): string {
  const valid = new Date(baseTime.getTime() + step * 3_600_000);
  const stamp = (d: Date, minute: number) =>
    [d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), minute]
      .map((n) => String(n).padStart(2, "0"))
      .join("");
  return `${feed}${stream}${stamp(baseTime, baseTime.getUTCMinutes())}${stamp(valid, step === 0 ? 1 : valid.getUTCMinutes())}${expver}`;
}
