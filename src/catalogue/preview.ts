// A PNG map preview of a field: every grid point drawn at its latitude/longitude (equirectangular over
// the field's own bounding box, true to scale at its middle latitude), coloured by a scale chosen per parameter. Pure: arrays in, PNG bytes out.
import { crc32, deflateSync } from "node:zlib";

type Rgb = [number, number, number];

export interface ColourScale {
  name: string;
  stops: Rgb[];
  /**
   * A cyclic quantity's full turn, e.g. [0, 360] for a direction in degrees: values map onto it (not
   * onto the field's min..max), modulo the turn, and the first stop is also the last, so 0° and 360° look alike.
   */
  cycle?: [number, number];
}

const scales: Record<string, ColourScale> = {
  temperature: {
    name: "temperature",
    stops: [
      [49, 54, 149],
      [116, 173, 209],
      [255, 255, 191],
      [244, 109, 67],
      [165, 0, 38],
    ],
  },
  humidity: {
    name: "humidity",
    stops: [
      [255, 255, 229],
      [173, 221, 142],
      [49, 163, 84],
      [0, 69, 41],
    ],
  },
  precipitation: {
    name: "precipitation",
    stops: [
      [255, 255, 255],
      [158, 202, 225],
      [49, 130, 189],
      [8, 48, 107],
      [122, 1, 119],
    ],
  },
  wind: {
    name: "wind",
    stops: [
      [255, 255, 255],
      [254, 217, 118],
      [253, 141, 60],
      [189, 0, 38],
    ],
  },
  pressure: {
    name: "pressure",
    stops: [
      [84, 39, 143],
      [158, 154, 200],
      [242, 240, 247],
      [253, 184, 99],
      [179, 88, 6],
    ],
  },
  cloud: {
    name: "cloud",
    stops: [
      [8, 48, 107],
      [150, 150, 150],
      [255, 255, 255],
    ],
  },
  // A cyclic map (after Crameri's romaO: blue, violet, red, yellow, green, back to blue): north
  // looks the same whichever side of 360° it is, and each quarter has its own hue.
  direction: {
    name: "direction",
    stops: [
      [48, 84, 160],
      [128, 64, 140],
      [180, 60, 60],
      [214, 160, 60],
      [120, 180, 100],
      [48, 84, 160],
    ],
    cycle: [0, 360],
  },
  default: {
    name: "default",
    stops: [
      [68, 1, 84],
      [59, 82, 139],
      [33, 145, 140],
      [94, 201, 98],
      [253, 231, 37],
    ],
  },
};

const byParameter: Array<[RegExp, keyof typeof scales]> = [
  [/^(2t|2d|t|skt|sst|mx2t\w*|mn2t\w*|T-\w+|TD-\w+|TX-\w+|TN-\w+)$/, "temperature"],
  [/^(r|q|2r|RH-\w+|Q-\w+)$/, "humidity"],
  [/^(tp|cp|lsp|sf|RR-\w+|RRR-\w+|SNR-\w+)$/, "precipitation"],
  [/^(10si|10fg\w*|100si|ws|u|v|10u|10v|100u|100v|FF-\w+|FFG-\w+|U-\w+|V-\w+)$/, "wind"],
  [/^(msl|sp|lnsp|pres|z|gh|P-\w+|Z-\w+)$/, "pressure"],
  [/^(tcc|lcc|mcc|hcc|N-\w+|NL-\w+|NM-\w+|NH-\w+)$/, "cloud"],
  // Wind (wdir, 10wdir, 100wdir, himan's DD-D), wave and swell directions: degrees on a circle.
  [/^(dd|wdir|\d+wdir|DD-\w+|mwd|mdww|mdts|swdir|dirpw|dirsw|dirc)$/, "direction"],
];

/** Where v falls along the scale, 0..1: on its cycle for a cyclic scale, else between min and max. */
export function scalePosition(
  scale: Pick<ColourScale, "cycle">,
  v: number,
  min: number,
  max: number,
): number {
  if (scale.cycle) {
    const [start, end] = scale.cycle;
    const turn = end - start;
    return ((((v - start) % turn) + turn) % turn) / turn;
  }
  return (v - min) / (max > min ? max - min : 1);
}

export function colourScaleFor(param: string): ColourScale {
  for (const [pattern, scale] of byParameter) if (pattern.test(param)) return scales[scale]!;
  return scales["default"]!;
}

export interface Preview {
  png: Buffer;
  width: number;
  height: number;
  min: number;
  max: number;
  scale: string;
}

/** Draws the field; `width` is the image width in pixels (the height follows the box's aspect). */
export function renderPreview(
  latitudes: Float64Array,
  longitudes: Float64Array,
  values: Float64Array,
  param: string,
  requestedWidth?: number,
): Preview {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  // Longitudes continuous across the box: shift those far west of the first point by 360.
  const lon0 = longitudes[0] ?? 0;
  const lon = (i: number) => {
    const l = longitudes[i]!;
    return l < lon0 - 180 ? l + 360 : l > lon0 + 180 ? l - 360 : l;
  };
  let west = Number.POSITIVE_INFINITY;
  let east = Number.NEGATIVE_INFINITY;
  let south = Number.POSITIVE_INFINITY;
  let north = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < latitudes.length; i++) {
    const x = lon(i);
    const y = latitudes[i]!;
    if (x < west) west = x;
    if (x > east) east = x;
    if (y < south) south = y;
    if (y > north) north = y;
  }
  const spanX = Math.max(east - west, 1e-6);
  const spanY = Math.max(north - south, 1e-6);
  // Degrees of longitude shrink towards the poles: scale x by the cosine of the middle latitude.
  const aspect = (spanX * Math.max(Math.cos((((north + south) / 2) * Math.PI) / 180), 0.05)) / spanY;
  // No wider than the grid resolves, or the image is mostly holes.
  const natural = Math.max(16, Math.round(Math.sqrt(values.length * aspect)));
  const width = Math.min(requestedWidth ?? 800, natural, 4000);
  const height = Math.max(1, Math.round(width / aspect));
  const rgba = Buffer.alloc(width * height * 4);
  const scale = colourScaleFor(param);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    const x = Math.min(width - 1, Math.floor(((lon(i) - west) / spanX) * width));
    const y = Math.min(height - 1, Math.floor(((north - latitudes[i]!) / spanY) * height));
    const [r, g, b] = colourAt(scale, scalePosition(scale, v, min, max));
    const p = (y * width + x) * 4;
    rgba[p] = r;
    rgba[p + 1] = g;
    rgba[p + 2] = b;
    rgba[p + 3] = 255;
  }
  return {
    png: encodePng(rgba, width, height),
    width,
    height,
    min: Number.isFinite(min) ? min : Number.NaN,
    max: Number.isFinite(max) ? max : Number.NaN,
    scale: scale.name,
  };
}

function colourAt(scale: ColourScale, t: number): Rgb {
  const stops = scale.stops;
  const position = Math.min(Math.max(t, 0), 1) * (stops.length - 1);
  const i = Math.min(Math.floor(position), stops.length - 2);
  const f = position - i;
  const a = stops[i]!;
  const b = stops[i + 1]!;
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * f)) as Rgb;
}

/** An 8-bit RGBA PNG (filter 0 on every row, one IDAT). */
export function encodePng(rgba: Buffer, width: number, height: number): Buffer {
  const rows = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++)
    rgba.copy(rows, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, no filter method variants, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "ascii");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
