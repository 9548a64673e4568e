// Grid definitions: GRIB1 section 2 and GRIB2 section 3 read into a GridDefinition with ecCodes' key
// names, angles in degrees and lengths in metres.

import { readIbmFloat, readIeeeFloat32 } from "./bits.ts";
import type { Section } from "./sections.ts";
import { type EarthShape, GribError, type GridDefinition, type ScanningMode } from "./types.ts";

function u(buf: Uint8Array, p: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + buf[p + i];
  return v;
}

/** Sign-magnitude integer (GRIB's signed coding). */
function s(buf: Uint8Array, p: number, n: number): number {
  const raw = u(buf, p, n);
  const signBit = 2 ** (8 * n - 1);
  return raw >= signBit ? -(raw - signBit) : raw;
}

function allOnes(buf: Uint8Array, p: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (buf[p + i] !== 0xff) return false;
  return true;
}

/** Octet n (1-based, as the WMO tables number them) of a section. */
function at(n: number): number {
  return n - 1;
}

function scanning(flags: number): ScanningMode {
  return {
    iScansNegatively: flags & 0x80 ? 1 : 0,
    jScansPositively: flags & 0x40 ? 1 : 0,
    jPointsAreConsecutive: flags & 0x20 ? 1 : 0,
    alternativeRowScanning: flags & 0x10 ? 1 : 0,
  };
}

const SPHERE_6367470: EarthShape = { shape: "sphere", radius: 6367470 };

// ---------------------------------------------------------------------------------------------------
// GRIB1

function grib1Pl(s2: Uint8Array, nj: number): number[] | undefined {
  const nv = s2[at(4)];
  const pvl = s2[at(5)];
  if (pvl === 255 || pvl === 0) return undefined;
  const start = 4 * nv + pvl - 1;
  if (start + 2 * nj > s2.length) return undefined;
  const pl: number[] = new Array(nj);
  for (let i = 0; i < nj; i++) pl[i] = u(s2, start + 2 * i, 2);
  return pl;
}

/** GRIB1 grid from section 2 (GDS). */
export function grib1Grid(sec: Section): GridDefinition {
  const b = sec.bytes;
  const type = b[at(6)];
  const m = (octet: number, n = 3) => s(b, at(octet), n) / 1000;
  const resFlags = b[at(17)];
  const oblate = (resFlags & 0x40) !== 0;
  const common = {
    shapeOfTheEarth: oblate ? 2 : 0,
    earth: oblate
      ? ({ shape: "oblate", majorAxis: 6378160, minorAxis: 6356775 } as EarthShape)
      : SPHERE_6367470,
    uvRelativeToGrid: (resFlags & 0x08 ? 1 : 0) as 0 | 1,
  };
  switch (type) {
    case 0:
    case 4:
    case 10:
    case 14: {
      const ni = u(b, at(7), 2);
      const nj = u(b, at(9), 2);
      const reduced = ni === 0xffff;
      const pl = reduced ? grib1Pl(b, nj) : undefined;
      const points = pl ? pl.reduce((a, c) => a + c, 0) : ni * nj;
      const incrementsGiven = (resFlags & 0x80) !== 0;
      const di = !incrementsGiven || allOnes(b, at(24), 2) ? null : u(b, at(24), 2) / 1000;
      const dj = !incrementsGiven || allOnes(b, at(26), 2) ? null : u(b, at(26), 2) / 1000;
      const corners = {
        latitudeOfFirstGridPointInDegrees: m(11),
        longitudeOfFirstGridPointInDegrees: m(14),
        latitudeOfLastGridPointInDegrees: m(18),
        longitudeOfLastGridPointInDegrees: m(21),
      };
      const mode = scanning(b[at(28)]);
      const base2 = { ...common, numberOfDataPoints: points, scanning: mode };
      if (type === 4 || type === 14) {
        const n = u(b, at(26), 2);
        const rotation =
          type === 14
            ? {
                rotation: {
                  latitudeOfSouthernPoleInDegrees: m(33),
                  longitudeOfSouthernPoleInDegrees: m(36),
                  angleOfRotationInDegrees: b.length >= 42 ? readIbmFloat(b, at(39)) : 0,
                },
              }
            : {};
        if (pl) return { gridType: "reduced_gg", ...base2, Nj: nj, N: n, pl, ...corners, ...rotation };
        return {
          gridType: "regular_gg",
          ...base2,
          Ni: ni,
          Nj: nj,
          N: n,
          ...corners,
          iDirectionIncrementInDegrees: di,
          ...rotation,
        };
      }
      if (pl && type === 0) {
        return { gridType: "reduced_ll", ...base2, Nj: nj, pl, ...corners, jDirectionIncrementInDegrees: dj };
      }
      const regular = {
        ...base2,
        Ni: ni,
        Nj: nj,
        ...corners,
        iDirectionIncrementInDegrees: di,
        jDirectionIncrementInDegrees: dj,
      };
      if (type === 0) return { gridType: "regular_ll", ...regular };
      return {
        gridType: "rotated_ll",
        ...regular,
        latitudeOfSouthernPoleInDegrees: m(33),
        longitudeOfSouthernPoleInDegrees: m(36),
        angleOfRotationInDegrees: b.length >= 42 ? readIbmFloat(b, at(39)) : 0,
      };
    }
    case 3: {
      const nx = u(b, at(7), 2);
      const ny = u(b, at(9), 2);
      const latin1 = m(29);
      return {
        gridType: "lambert",
        ...common,
        numberOfDataPoints: nx * ny,
        scanning: scanning(b[at(28)]),
        Nx: nx,
        Ny: ny,
        latitudeOfFirstGridPointInDegrees: m(11),
        longitudeOfFirstGridPointInDegrees: m(14),
        LaDInDegrees: latin1,
        LoVInDegrees: m(18),
        Latin1InDegrees: latin1,
        Latin2InDegrees: m(32),
        DxInMetres: u(b, at(21), 3),
        DyInMetres: u(b, at(24), 3),
        projectionCentreFlag: b[at(27)],
        latitudeOfSouthernPoleInDegrees: m(35),
        longitudeOfSouthernPoleInDegrees: m(38),
      };
    }
    case 5: {
      const nx = u(b, at(7), 2);
      const ny = u(b, at(9), 2);
      const centre = b[at(27)];
      return {
        gridType: "polar_stereographic",
        ...common,
        numberOfDataPoints: nx * ny,
        scanning: scanning(b[at(28)]),
        Nx: nx,
        Ny: ny,
        latitudeOfFirstGridPointInDegrees: m(11),
        longitudeOfFirstGridPointInDegrees: m(14),
        LaDInDegrees: centre & 0x80 ? -60 : 60,
        orientationOfTheGridInDegrees: m(18),
        DxInMetres: u(b, at(21), 3),
        DyInMetres: u(b, at(24), 3),
        projectionCentreFlag: centre,
      };
    }
    case 1: {
      const ni = u(b, at(7), 2);
      const nj = u(b, at(9), 2);
      return {
        gridType: "mercator",
        ...common,
        numberOfDataPoints: ni * nj,
        scanning: scanning(b[at(28)]),
        Ni: ni,
        Nj: nj,
        latitudeOfFirstGridPointInDegrees: m(11),
        longitudeOfFirstGridPointInDegrees: m(14),
        latitudeOfLastGridPointInDegrees: m(18),
        longitudeOfLastGridPointInDegrees: m(21),
        LaDInDegrees: m(24),
        orientationOfTheGridInDegrees: 0,
        DiInMetres: u(b, at(29), 3),
        DjInMetres: u(b, at(32), 3),
      };
    }
    default: {
      const names: Record<number, string> = {
        50: "sh",
        60: "rotated_sh",
        14: "rotated_gg",
        13: "lambert_lam",
        90: "space_view",
      };
      return {
        gridType: "other",
        ...common,
        numberOfDataPoints: 0,
        scanning: scanning(0),
        ecCodesGridType: names[type] ?? "unknown",
        template: type,
      };
    }
  }
}

/** GRIB1 messages without section 2 name a catalogued grid; we support none of those. */
export function grib1NoGrid(gridDefinition: number): GridDefinition {
  return {
    gridType: "other",
    numberOfDataPoints: 0,
    scanning: scanning(0),
    shapeOfTheEarth: 0,
    earth: SPHERE_6367470,
    uvRelativeToGrid: 0,
    ecCodesGridType: "unknown",
    template: gridDefinition,
  };
}

// ---------------------------------------------------------------------------------------------------
// GRIB2

function scaled(b: Uint8Array, factorOctet: number, valueOctet: number): number | null {
  if (allOnes(b, at(factorOctet), 1) || allOnes(b, at(valueOctet), 4)) return null;
  return u(b, at(valueOctet), 4) / 10 ** s(b, at(factorOctet), 1);
}

function grib2Earth(b: Uint8Array): { shapeOfTheEarth: number; earth: EarthShape } {
  const shape = b[at(15)];
  const sphere = (radius: number): EarthShape => ({ shape: "sphere", radius });
  const oblate = (majorAxis: number, minorAxis: number): EarthShape => ({
    shape: "oblate",
    majorAxis,
    minorAxis,
  });
  let earth: EarthShape;
  switch (shape) {
    case 0:
      earth = sphere(6367470);
      break;
    case 1:
      earth = sphere(scaled(b, 16, 17) ?? 6367470);
      break;
    case 2:
      earth = oblate(6378160, 6356775);
      break;
    case 3:
      earth = oblate((scaled(b, 21, 22) ?? 6378.16) * 1000, (scaled(b, 26, 27) ?? 6356.775) * 1000);
      break;
    case 4:
    case 5:
      earth = oblate(6378137, 6356752.314245);
      break;
    case 6:
      earth = sphere(6371229);
      break;
    case 7:
      earth = oblate(scaled(b, 21, 22) ?? 6378137, scaled(b, 26, 27) ?? 6356752.314245);
      break;
    case 8:
      earth = sphere(6371200);
      break;
    case 9:
      earth = oblate(6377563.396, 6356256.909);
      break;
    default:
      earth = sphere(6367470);
  }
  return { shapeOfTheEarth: shape, earth };
}

/** GRIB2 pl list after the template (octets 11-12 say how it is coded). */
function grib2Pl(b: Uint8Array, templateLength: number, nj: number): number[] | undefined {
  const octets = b[at(11)];
  if (octets === 0) return undefined; // ecCodes ignores the interpretation octet
  const start = templateLength;
  if (start + octets * nj > b.length) return undefined;
  const pl: number[] = new Array(nj);
  for (let i = 0; i < nj; i++) pl[i] = u(b, start + octets * i, octets);
  return pl;
}

/** GRIB2 grid from section 3. */
export function grib2Grid(sec: Section, base: number): GridDefinition {
  const b = sec.bytes;
  const template = u(b, at(13), 2);
  const numberOfDataPoints = u(b, at(7), 4);
  const { shapeOfTheEarth, earth } = grib2Earth(b);
  const micro = (octet: number) => s(b, at(octet), 4) / 1e6;
  const need = (length: number) => {
    if (b.length < length) {
      throw new GribError(
        "bad-section",
        `grid template 3.${template} needs ${length} bytes, section 3 has ${b.length}`,
        base + sec.offset,
      );
    }
  };
  switch (template) {
    case 0:
    case 1:
    case 40:
    case 41: {
      const templateLength = template === 1 || template === 41 ? 84 : 72;
      need(templateLength);
      const ni = u(b, at(31), 4);
      const nj = u(b, at(35), 4);
      const basicAngle = u(b, at(39), 4);
      const subdivisions = u(b, at(43), 4);
      const unit =
        basicAngle !== 0 && basicAngle !== 0xffffffff && subdivisions !== 0xffffffff && subdivisions !== 0
          ? subdivisions / basicAngle
          : 1e6;
      const ang = (octet: number) => s(b, at(octet), 4) / unit;
      const resFlags = b[at(55)];
      const common = {
        shapeOfTheEarth,
        earth,
        numberOfDataPoints,
        scanning: scanning(b[at(72)]),
        uvRelativeToGrid: (resFlags & 0x08 ? 1 : 0) as 0 | 1,
      };
      const corners = {
        latitudeOfFirstGridPointInDegrees: ang(47),
        longitudeOfFirstGridPointInDegrees: ang(51),
        latitudeOfLastGridPointInDegrees: ang(56),
        longitudeOfLastGridPointInDegrees: ang(60),
      };
      const reduced = ni === 0xffffffff;
      const pl = reduced ? grib2Pl(b, templateLength, nj) : undefined;
      const di = allOnes(b, at(64), 4) ? null : u(b, at(64), 4) / unit;
      const dj = allOnes(b, at(68), 4) ? null : u(b, at(68), 4) / unit;
      if (template === 40 || template === 41) {
        const n = u(b, at(68), 4);
        const rotation =
          template === 41
            ? {
                rotation: {
                  latitudeOfSouthernPoleInDegrees: ang(73),
                  longitudeOfSouthernPoleInDegrees: ang(77),
                  angleOfRotationInDegrees: readIeeeFloat32(b, at(81)),
                },
              }
            : {};
        if (pl) return { gridType: "reduced_gg", ...common, Nj: nj, N: n, pl, ...corners, ...rotation };
        return {
          gridType: "regular_gg",
          ...common,
          Ni: ni,
          Nj: nj,
          N: n,
          ...corners,
          iDirectionIncrementInDegrees: di,
          ...rotation,
        };
      }
      if (pl && template === 0) {
        return {
          gridType: "reduced_ll",
          ...common,
          Nj: nj,
          pl,
          ...corners,
          jDirectionIncrementInDegrees: dj,
        };
      }
      const regular = {
        ...common,
        Ni: ni,
        Nj: nj,
        ...corners,
        iDirectionIncrementInDegrees: di,
        jDirectionIncrementInDegrees: dj,
      };
      if (template === 0) return { gridType: "regular_ll", ...regular };
      return {
        gridType: "rotated_ll",
        ...regular,
        latitudeOfSouthernPoleInDegrees: ang(73),
        longitudeOfSouthernPoleInDegrees: ang(77),
        angleOfRotationInDegrees: readIeeeFloat32(b, at(81)),
      };
    }
    case 30: {
      need(81);
      const resFlags = b[at(47)];
      return {
        gridType: "lambert",
        shapeOfTheEarth,
        earth,
        numberOfDataPoints,
        scanning: scanning(b[at(65)]),
        uvRelativeToGrid: (resFlags & 0x08 ? 1 : 0) as 0 | 1,
        Nx: u(b, at(31), 4),
        Ny: u(b, at(35), 4),
        latitudeOfFirstGridPointInDegrees: micro(39),
        longitudeOfFirstGridPointInDegrees: micro(43),
        LaDInDegrees: micro(48),
        LoVInDegrees: micro(52),
        DxInMetres: u(b, at(56), 4) / 1000,
        DyInMetres: u(b, at(60), 4) / 1000,
        projectionCentreFlag: b[at(64)],
        Latin1InDegrees: micro(66),
        Latin2InDegrees: micro(70),
        latitudeOfSouthernPoleInDegrees: micro(74),
        longitudeOfSouthernPoleInDegrees: micro(78),
      };
    }
    case 20: {
      need(65);
      const resFlags = b[at(47)];
      return {
        gridType: "polar_stereographic",
        shapeOfTheEarth,
        earth,
        numberOfDataPoints,
        scanning: scanning(b[at(65)]),
        uvRelativeToGrid: (resFlags & 0x08 ? 1 : 0) as 0 | 1,
        Nx: u(b, at(31), 4),
        Ny: u(b, at(35), 4),
        latitudeOfFirstGridPointInDegrees: micro(39),
        longitudeOfFirstGridPointInDegrees: micro(43),
        LaDInDegrees: micro(48),
        orientationOfTheGridInDegrees: micro(52),
        DxInMetres: u(b, at(56), 4) / 1000,
        DyInMetres: u(b, at(60), 4) / 1000,
        projectionCentreFlag: b[at(64)],
      };
    }
    case 10: {
      need(72);
      const resFlags = b[at(47)];
      return {
        gridType: "mercator",
        shapeOfTheEarth,
        earth,
        numberOfDataPoints,
        scanning: scanning(b[at(60)]),
        uvRelativeToGrid: (resFlags & 0x08 ? 1 : 0) as 0 | 1,
        Ni: u(b, at(31), 4),
        Nj: u(b, at(35), 4),
        latitudeOfFirstGridPointInDegrees: micro(39),
        longitudeOfFirstGridPointInDegrees: micro(43),
        LaDInDegrees: micro(48),
        latitudeOfLastGridPointInDegrees: micro(52),
        longitudeOfLastGridPointInDegrees: micro(56),
        orientationOfTheGridInDegrees: micro(61),
        DiInMetres: u(b, at(65), 4) / 1000,
        DjInMetres: u(b, at(69), 4) / 1000,
      };
    }
    default: {
      const names: Record<number, string> = {
        2: "stretched_ll",
        3: "stretched_rotated_ll",
        31: "albers",
        50: "sh",
        51: "rotated_sh",
        90: "space_view",
        101: "unstructured_grid",
        140: "lambert_azimuthal_equal_area",
        204: "curvilinear_orthogonal",
      };
      return {
        gridType: "other",
        shapeOfTheEarth,
        earth,
        numberOfDataPoints,
        scanning: scanning(0),
        uvRelativeToGrid: 0,
        ecCodesGridType: names[template] ?? "unknown",
        template,
      };
    }
  }
}
