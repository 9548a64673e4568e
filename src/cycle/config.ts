// The `cycle` configuration section: what a forecast cycle makes, where it delivers, with how many nodes.
import { z } from "zod";

const product = z.strictObject({
  /** The product's name in the suite (a task name: letters, digits, _ and -). */
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, "expected a name like wind_pressure"),
  /** A product configuration (himan JSON or our YAML); relative to the configuration file. */
  config: z.string().min(1),
  /** Steps to make it for, e.g. "0-24" or "0-90/3,96"; default: the configuration's own steps. */
  steps: z.string().optional(),
});

export const cycleConfigSchema = z
  .strictObject({
    /** The catalogue producer of the incoming model data (by default the GRIB centre, e.g. ecmf). */
    producer: z.string().min(1).default("ecmf"),
    /** Product configurations; empty means the built-in demonstration products. */
    products: z.array(product).default([]),
    /** Product jobs running at once per compute node. */
    jobsPerNode: z.number().int().min(1).max(64).default(2),
    /** Where products are delivered: a directory, file:///dir, ftp://user@host:port/dir or ftps://... */
    destination: z.string().min(1).default("products"),
  })
  .prefault({});

export type CycleConfig = z.infer<typeof cycleConfigSchema>;
