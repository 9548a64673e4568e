// The `catalogue` configuration section: retention and what producers are expected to send.
import { z } from "zod";

export const catalogueConfigSchema = z
  .strictObject({
    retention: z
      .strictObject({
        /**
         * Days of cycles kept, counted back from the newest base time in the catalogue (or now, if that
         * is earlier): a pause in the data stream never empties the catalogue.
         */
        days: z.number().int().min(1).default(10),
        /** Minutes between retention runs in the control server (0: never run automatically). */
        intervalMinutes: z.number().int().min(0).default(60),
      })
      .prefault({}),
    producers: z
      .array(
        z.strictObject({
          name: z.string().min(1),
          description: z.string().optional(),
          /** Fields in a complete cycle: a cycle with this many is "complete". */
          expectedFields: z.number().int().min(1).optional(),
        }),
      )
      .default([]),
  })
  .prefault({});

export type CatalogueConfig = z.infer<typeof catalogueConfigSchema>;
