// The feature plugins mounted under /api/ (all behind the bearer token).
import type { FastifyPluginAsync } from "fastify";
import { alertRoutes } from "./alerts.ts";
import { coastlineRoutes } from "./coastlines.ts";
import { fieldRoutes } from "./fields.ts";
import { fleetRoutes } from "./fleet.ts";
import { ingestRoutes } from "./ingest.ts";
import { planRoutes } from "./plan.ts";
import { productRoutes } from "./products.ts";
import { suiteDefinitionRoutes } from "./suite-definition.ts";
import { suiteRoutes } from "./suites.ts";
import { timelineRoutes } from "./timeline.ts";
import { whoamiRoutes } from "./whoami.ts";

export const apiPlugins: FastifyPluginAsync[] = [
  whoamiRoutes,
  fieldRoutes,
  productRoutes,
  coastlineRoutes,
  ingestRoutes,
  suiteRoutes,
  suiteDefinitionRoutes,
  fleetRoutes,
  alertRoutes,
  timelineRoutes,
  planRoutes,
];
