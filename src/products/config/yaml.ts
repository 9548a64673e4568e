// Our YAML form of the product configuration: the same model as himan's JSON, plus named target areas,
// output edition and packing, and a file-name template. See docs/products.md.
import { parseDocument } from "yaml";
import { z } from "zod";
import type { GridDefinition } from "../../grib/types.ts";
import { type LevelType, levelTypes } from "../fields.ts";
import { fileNamePlaceholders } from "../naming.ts";
import { buildQueue, forecastTypeList, ProductConfigError, zodProblems } from "./himan.ts";
import type { ProductConfig } from "./model.ts";

/** GRIB2 code table 3.2 shape 6: sphere of radius 6 371 229 m, what most NWP grids use. */
const defaultEarth = { shapeOfTheEarth: 6, earth: { shape: "sphere" as const, radius: 6371229 } };
const northToSouth = {
  iScansNegatively: 0,
  jScansPositively: 0,
  jPointsAreConsecutive: 0,
  alternativeRowScanning: 0,
} as const;
const southToNorth = { ...northToSouth, jScansPositively: 1 } as const;

const latitude = z.number().min(-90).max(90);
const longitude = z.number().min(-360).max(360);
const positive = z.number().positive();
const count = z.number().int().min(2);

const latLonArea = z.strictObject({
  type: z.literal("latlon"),
  north: latitude,
  south: latitude,
  west: longitude,
  east: longitude,
  dlat: positive,
  dlon: positive,
});
const rotatedArea = z.strictObject({
  type: z.literal("rotated_latlon"),
  southPole: z.strictObject({ lat: latitude, lon: longitude }),
  /** Corners in the rotated frame. */
  north: latitude,
  south: latitude,
  west: longitude,
  east: longitude,
  dlat: positive,
  dlon: positive,
});
const lambertArea = z.strictObject({
  type: z.literal("lambert"),
  latin1: latitude,
  latin2: latitude.optional(),
  lov: longitude,
  /** South-west corner. */
  first: z.strictObject({ lat: latitude, lon: longitude }),
  nx: count,
  ny: count,
  dx: positive,
  dy: positive,
});
const polarArea = z.strictObject({
  type: z.literal("polar_stereographic"),
  lad: latitude.default(60),
  orientation: longitude,
  south: z.boolean().default(false),
  first: z.strictObject({ lat: latitude, lon: longitude }),
  nx: count,
  ny: count,
  dx: positive,
  dy: positive,
});
export const areaSchema = z.discriminatedUnion("type", [latLonArea, rotatedArea, lambertArea, polarArea]);
export type Area = z.infer<typeof areaSchema>;

function steps(span: number, d: number): number {
  const n = span / d;
  if (Math.abs(n - Math.round(n)) > 1e-6)
    throw new Error(`the span ${span} is not a whole number of ${d} steps`);
  return Math.round(n) + 1;
}

/** The GRIB grid definition of a named area. */
export function areaGrid(area: Area): GridDefinition {
  const base = { ...defaultEarth, uvRelativeToGrid: 0 as const };
  switch (area.type) {
    case "latlon":
    case "rotated_latlon": {
      let span = area.east - area.west;
      if (span <= 0) span += 360;
      const Ni = steps(span, area.dlon);
      const Nj = steps(area.north - area.south, area.dlat);
      const common = {
        ...base,
        scanning: northToSouth,
        numberOfDataPoints: Ni * Nj,
        Ni,
        Nj,
        latitudeOfFirstGridPointInDegrees: area.north,
        longitudeOfFirstGridPointInDegrees: area.west,
        latitudeOfLastGridPointInDegrees: area.south,
        longitudeOfLastGridPointInDegrees: area.east,
        iDirectionIncrementInDegrees: area.dlon,
        jDirectionIncrementInDegrees: area.dlat,
      };
      if (area.type === "latlon") return { gridType: "regular_ll", ...common };
      return {
        gridType: "rotated_ll",
        ...common,
        latitudeOfSouthernPoleInDegrees: area.southPole.lat,
        longitudeOfSouthernPoleInDegrees: area.southPole.lon,
        angleOfRotationInDegrees: 0,
      };
    }
    case "lambert":
      return {
        gridType: "lambert",
        ...base,
        scanning: southToNorth,
        numberOfDataPoints: area.nx * area.ny,
        Nx: area.nx,
        Ny: area.ny,
        latitudeOfFirstGridPointInDegrees: area.first.lat,
        longitudeOfFirstGridPointInDegrees: area.first.lon,
        LaDInDegrees: area.latin1,
        LoVInDegrees: area.lov,
        Latin1InDegrees: area.latin1,
        Latin2InDegrees: area.latin2 ?? area.latin1,
        DxInMetres: area.dx,
        DyInMetres: area.dy,
        projectionCentreFlag: 0,
        latitudeOfSouthernPoleInDegrees: -90,
        longitudeOfSouthernPoleInDegrees: 0,
      };
    case "polar_stereographic":
      return {
        gridType: "polar_stereographic",
        ...base,
        scanning: southToNorth,
        numberOfDataPoints: area.nx * area.ny,
        Nx: area.nx,
        Ny: area.ny,
        latitudeOfFirstGridPointInDegrees: area.first.lat,
        longitudeOfFirstGridPointInDegrees: area.first.lon,
        LaDInDegrees: area.lad,
        orientationOfTheGridInDegrees: area.orientation,
        DxInMetres: area.dx,
        DyInMetres: area.dy,
        projectionCentreFlag: area.south ? 0x80 : 0,
      };
  }
}

const packingSchema = z.union([
  z.strictObject({ type: z.literal("simple"), bitsPerValue: z.number().int().min(1).max(32) }),
  z.strictObject({ type: z.literal("simple"), decimalPrecision: z.number().int().min(-10).max(10) }),
  z.strictObject({ type: z.literal("ccsds"), bitsPerValue: z.number().int().min(1).max(32).default(16) }),
]);

const stepsSchema = z.union([
  z.array(z.number().min(0)).min(1),
  z.strictObject({ start: z.number().min(0), stop: z.number().min(0), step: z.number().positive() }),
]);

const levelType = z.enum(levelTypes as [LevelType, ...LevelType[]]);

export const yamlConfigSchema = z
  .strictObject({
    name: z.string().min(1).optional(),
    sourceProducer: z.number().int().optional(),
    targetProducer: z.number().int().optional(),
    /** Hours. */
    steps: stepsSchema,
    forecastType: forecastTypeList.prefault("det"),
    fileWrite: z.enum(["multiple", "single"]).default("multiple"),
    areas: z.record(z.string(), areaSchema).default({}),
    /** One of `areas`; absent = the source grid. */
    targetArea: z.string().optional(),
    interpolation: z.enum(["bilinear", "nearest"]).optional(),
    output: z
      .strictObject({
        edition: z.union([z.literal(1), z.literal(2)]).optional(),
        packing: packingSchema.optional(),
        fileName: z.string().min(1).optional(),
      })
      .default({}),
    processqueue: z
      .array(
        z.strictObject({
          levelType,
          levels: z.array(z.number()).min(1),
          plugins: z.array(z.looseObject({ name: z.string().min(1) })).min(1),
        }),
      )
      .min(1),
  })
  .superRefine((c, ctx) => {
    for (const [, name] of (c.output.fileName ?? "").matchAll(/\{([^}]*)\}/g)) {
      if (!fileNamePlaceholders.includes(name)) {
        ctx.addIssue({
          code: "custom",
          path: ["output", "fileName"],
          message: `unknown placeholder {${name}} (known: ${fileNamePlaceholders.join(", ")})`,
        });
      }
    }
    if (c.targetArea !== undefined && !(c.targetArea in c.areas)) {
      ctx.addIssue({
        code: "custom",
        path: ["targetArea"],
        message: `no area named "${c.targetArea}" under areas (have: ${Object.keys(c.areas).join(", ") || "none"})`,
      });
    }
  });

/** Reads the YAML form; `name` is used when the file gives none. */
export function parseYamlConfig(text: string, name: string): ProductConfig {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0)
    throw new ProductConfigError(
      name,
      doc.errors.map((e) => `YAML syntax: ${e.message.split("\n")[0]}`),
    );
  const parsed = yamlConfigSchema.safeParse(doc.toJS());
  if (!parsed.success) throw new ProductConfigError(name, zodProblems(parsed.error));
  const c = parsed.data;
  const problems: string[] = [];
  let target: ProductConfig["target"] = null;
  if (c.targetArea) {
    try {
      target = { name: c.targetArea, grid: areaGrid(c.areas[c.targetArea]) };
    } catch (error) {
      problems.push(`$.areas.${c.targetArea}: ${(error as Error).message}`);
    }
  }
  const processqueue = buildQueue(c.processqueue, problems, (i, j) => ["processqueue", i, "plugins", j]);
  if (problems.length > 0) throw new ProductConfigError(name, problems);
  let stepList: number[];
  let stepHours: number | null = null;
  if (Array.isArray(c.steps)) stepList = [...c.steps].sort((a, b) => a - b);
  else {
    stepList = [];
    for (let s = c.steps.start; s <= c.steps.stop + 1e-9; s += c.steps.step)
      stepList.push(Math.round(s * 3600) / 3600);
    stepHours = c.steps.step;
  }
  return {
    name: c.name ?? name,
    sourceProducer: c.sourceProducer ?? null,
    sourceProducers: c.sourceProducer === undefined ? [] : [c.sourceProducer],
    targetProducer: c.targetProducer ?? null,
    originTime: null,
    steps: stepList,
    stepHours,
    forecastTypes: c.forecastType,
    fileWrite: c.fileWrite,
    target,
    interpolation: c.interpolation ?? null,
    edition: c.output.edition ?? null,
    packing: c.output.packing ?? null,
    fileNameTemplate: c.output.fileName ?? null,
    processqueue,
    notes: [],
  };
}
