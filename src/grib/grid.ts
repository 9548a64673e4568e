// Grid definitions from a message's keys: one table says which keys each grid type carries, for GRIB1
// and GRIB2 alike (ecCodes' definitions already give both editions the same key names, angles in
// degrees, lengths in metres).
import type { Handle } from "./definitions/handle.ts";
import type { EarthShape, GridDefinition, ScanningMode } from "./types.ts";

/** How a field of a GridDefinition is read: a double, a whole number, or a double that may be missing (null). */
type FieldKind = "double" | "long" | "nullable";
type FieldSpec = [field: string, kind: FieldKind, key?: string];

const CORNERS: FieldSpec[] = [
  ["latitudeOfFirstGridPointInDegrees", "double"],
  ["longitudeOfFirstGridPointInDegrees", "double"],
  ["latitudeOfLastGridPointInDegrees", "double"],
  ["longitudeOfLastGridPointInDegrees", "double"],
];
const FIRST_POINT = CORNERS.slice(0, 2);
const POLE: FieldSpec[] = [
  ["latitudeOfSouthernPoleInDegrees", "double"],
  ["longitudeOfSouthernPoleInDegrees", "double"],
  ["angleOfRotationInDegrees", "double"],
];
const DI: FieldSpec = ["iDirectionIncrementInDegrees", "nullable"];
const DJ: FieldSpec = ["jDirectionIncrementInDegrees", "nullable"];

/** The keys of each grid type, by ecCodes' gridType (rotated Gaussian grids add a rotation block). */
const GRID_TEMPLATES: Record<
  string,
  { gridType: GridDefinition["gridType"]; fields: FieldSpec[]; rotation?: true }
> = {
  regular_ll: { gridType: "regular_ll", fields: [["Ni", "long"], ["Nj", "long"], ...CORNERS, DI, DJ] },
  rotated_ll: {
    gridType: "rotated_ll",
    fields: [["Ni", "long"], ["Nj", "long"], ...CORNERS, DI, DJ, ...POLE],
  },
  reduced_ll: { gridType: "reduced_ll", fields: [["Nj", "long"], ...CORNERS, DJ] },
  regular_gg: {
    gridType: "regular_gg",
    fields: [["Ni", "long"], ["Nj", "long"], ["N", "long"], ...CORNERS, DI],
  },
  rotated_gg: {
    gridType: "regular_gg",
    fields: [["Ni", "long"], ["Nj", "long"], ["N", "long"], ...CORNERS, DI],
    rotation: true,
  },
  reduced_gg: { gridType: "reduced_gg", fields: [["Nj", "long"], ["N", "long"], ...CORNERS] },
  reduced_rotated_gg: {
    gridType: "reduced_gg",
    fields: [["Nj", "long"], ["N", "long"], ...CORNERS],
    rotation: true,
  },
  lambert: {
    gridType: "lambert",
    fields: [
      ["Nx", "long"],
      ["Ny", "long"],
      ...FIRST_POINT,
      ["LaDInDegrees", "double"],
      ["LoVInDegrees", "double"],
      ["Latin1InDegrees", "double"],
      ["Latin2InDegrees", "double"],
      ["DxInMetres", "double"],
      ["DyInMetres", "double"],
      ["projectionCentreFlag", "long"],
      ["latitudeOfSouthernPoleInDegrees", "double"],
      ["longitudeOfSouthernPoleInDegrees", "double"],
    ],
  },
  polar_stereographic: {
    gridType: "polar_stereographic",
    fields: [
      ["Nx", "long"],
      ["Ny", "long"],
      ...FIRST_POINT,
      ["LaDInDegrees", "double"],
      ["orientationOfTheGridInDegrees", "double"],
      ["DxInMetres", "double"],
      ["DyInMetres", "double"],
      ["projectionCentreFlag", "long"],
    ],
  },
  mercator: {
    gridType: "mercator",
    fields: [
      ["Ni", "long"],
      ["Nj", "long"],
      ...CORNERS,
      ["LaDInDegrees", "double"],
      ["orientationOfTheGridInDegrees", "double"],
      ["DiInMetres", "double"],
      ["DjInMetres", "double"],
    ],
  },
};

/** Keys a GRIB1 grid lacks, and what ecCodes' GRIB1 conventions make of them. */
const GRIB1_DEFAULTS: Record<string, (h: Handle) => number> = {
  // Lambert: GRIB1 has no LaD; Dx and Dy are true at Latin1
  LaDInDegrees: (h) =>
    h.find("Latin1InDegrees")
      ? h.double("Latin1InDegrees")
      : h.long("projectionCentreFlag") & 0x80
        ? -60
        : 60,
  orientationOfTheGridInDegrees: () => 0,
  angleOfRotationInDegrees: () => 0,
};

function read(h: Handle, [field, kind, key = field]: FieldSpec): number | null {
  if (!h.find(key)) {
    const fallback = GRIB1_DEFAULTS[field];
    if (fallback) return fallback(h);
    return kind === "nullable" ? null : Number.NaN;
  }
  if (kind === "nullable" && h.isMissing(key)) return null;
  return kind === "long" ? h.long(key) : h.double(key);
}

function scanningMode(h: Handle): ScanningMode {
  const flag = (k: string) => (h.find(k) && h.long(k) ? 1 : 0) as 0 | 1;
  return {
    iScansNegatively: flag("iScansNegatively"),
    jScansPositively: flag("jScansPositively"),
    jPointsAreConsecutive: flag("jPointsAreConsecutive"),
    alternativeRowScanning: flag("alternativeRowScanning"),
  };
}

function earthShape(h: Handle): { shapeOfTheEarth: number; earth: EarthShape } {
  const oblate = h.find("earthIsOblate") ? h.long("earthIsOblate") !== 0 : false;
  const shapeOfTheEarth = h.find("shapeOfTheEarth") ? h.long("shapeOfTheEarth") : oblate ? 2 : 0;
  if (oblate && h.find("earthMajorAxisInMetres")) {
    return {
      shapeOfTheEarth,
      earth: {
        shape: "oblate",
        majorAxis: h.double("earthMajorAxisInMetres"),
        minorAxis: h.double("earthMinorAxisInMetres"),
      },
    };
  }
  return {
    shapeOfTheEarth,
    earth: { shape: "sphere", radius: h.find("radius") ? h.double("radius") : 6367470 },
  };
}

/** The grid a message describes, from its keys. */
export function gridDefinition(h: Handle): GridDefinition {
  const gridType = h.find("gridType") ? h.string("gridType") : "unknown";
  const common = {
    numberOfDataPoints: h.find("numberOfDataPoints") ? h.long("numberOfDataPoints") : 0,
    scanning: scanningMode(h),
    ...earthShape(h),
    uvRelativeToGrid: (h.find("uvRelativeToGrid") && h.long("uvRelativeToGrid") ? 1 : 0) as 0 | 1,
  };
  const template = GRID_TEMPLATES[gridType];
  if (!template) {
    const number = h.find("gridDefinitionTemplateNumber") ?? h.find("dataRepresentationType");
    return { gridType: "other", ...common, ecCodesGridType: gridType, template: number ? number.long() : -1 };
  }
  const grid: Record<string, unknown> = { gridType: template.gridType, ...common };
  for (const spec of template.fields) grid[spec[0]] = read(h, spec);
  if (template.gridType === "reduced_gg" || template.gridType === "reduced_ll")
    grid.pl = h.find("pl")?.longs() ?? [];
  if (template.rotation) grid.rotation = Object.fromEntries(POLE.map((spec) => [spec[0], read(h, spec)]));
  return grid as unknown as GridDefinition;
}
