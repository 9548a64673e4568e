// The `store` configuration section: where raw files and split fields live.
import { z } from "zod";

export const storeConfigSchema = z
  .strictObject({
    /** Directory of the store (may be an NFS mount); relative to dataDir. */
    dir: z.string().min(1).default("store"),
    /**
     * Split mode: also write every message to its own file (the thesis's FxP files) and point the
     * catalogue there; the raw file is then removed once registered, unless part of it was quarantined.
     */
    split: z.boolean().default(false),
  })
  .prefault({});

export type StoreConfig = z.infer<typeof storeConfigSchema>;
