// Centre abbreviations as ecCodes prints the `centre` key (WMO common code table C-11); a centre
// without an abbreviation prints as its number.

const ABBREVIATIONS: Record<number, string> = {
  1: "ammc",
  4: "rums",
  7: "kwbc",
  24: "fapr",
  28: "vabb",
  29: "dems",
  34: "rjtd",
  38: "babj",
  40: "rksl",
  41: "sabm",
  46: "sbsj",
  54: "cwao",
  58: "fnmo",
  69: "nzkl",
  74: "egrr",
  78: "edzw",
  80: "cnmc",
  82: "eswi",
  84: "lfpw",
  85: "lfpw",
  86: "efkl",
  88: "enmi",
  94: "ekmi",
  98: "ecmf",
  173: "nasa",
  195: "wiix",
  204: "niwa",
  214: "lemm",
  215: "lssw",
  218: "habp",
  224: "lowm",
  227: "ebum",
  233: "eidb",
  235: "ingv",
  239: "crfc",
  244: "vuwien",
  245: "knmi",
  246: "ifmk",
  247: "hadc",
  250: "cosmo",
  252: "mpim",
  254: "eums",
  255: "consensus",
  291: "anso",
  292: "ufz",
};

export function centreName(code: number): string {
  return ABBREVIATIONS[code] ?? String(code);
}

/** GRIB2 code table 1.4 (type of processed data) as ecCodes' dataType abbreviations. */
const TYPE_OF_PROCESSED_DATA: Record<number, string> = {
  0: "an",
  1: "fc",
  2: "af",
  3: "cf",
  4: "pf",
  5: "cp",
  6: "sa",
  7: "ra",
  8: "ep",
};

export function processedDataType(code: number): string {
  if (code === 255) return "missing";
  return TYPE_OF_PROCESSED_DATA[code] ?? String(code);
}

/** ECMWF MARS types (local sections of centre ecmf), as ecCodes' dataType abbreviations. */
const MARS_TYPE: Record<number, string> = {
  1: "fg",
  2: "an",
  3: "ia",
  4: "oi",
  5: "3v",
  6: "4v",
  7: "3g",
  8: "4g",
  9: "fc",
  10: "cf",
  11: "pf",
  12: "ef",
  13: "ea",
  14: "cm",
  15: "cs",
  16: "fp",
  17: "em",
  18: "es",
  19: "fa",
  20: "cl",
  21: "si",
  22: "s3",
  23: "ed",
  24: "tu",
  25: "ff",
  26: "of",
  27: "efi",
  28: "efic",
  29: "pb",
  30: "ep",
  31: "bf",
  32: "cd",
  33: "4i",
  34: "go",
  35: "me",
  36: "pd",
  37: "ci",
  38: "sot",
  39: "eme",
  40: "im",
  42: "sim",
  43: "wem",
  44: "wes",
  45: "cr",
  46: "ses",
  47: "taem",
  48: "taes",
  50: "sg",
  52: "sf",
};

export function marsType(code: number): string {
  return MARS_TYPE[code] ?? String(code);
}
