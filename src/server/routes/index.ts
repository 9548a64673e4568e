// The feature plugins mounted under /api/ (all behind the bearer token).
import type { FastifyPluginAsync } from "fastify";
import type { ApiServices } from "../services.ts";
import { alertRoutes } from "./alerts.ts";
import { coastlineRoutes } from "./coastlines.ts";
import { dataRoleRoutes } from "./data-role.ts";
import { fieldRoutes } from "./fields.ts";
import { fleetRoutes } from "./fleet.ts";
import { fleetNodeRoutes } from "./fleet-nodes.ts";
import { ingestRoutes } from "./ingest.ts";
import { planRoutes } from "./plan.ts";
import { productRoutes } from "./products.ts";
import { suiteDefinitionRoutes } from "./suite-definition.ts";
import { suiteCommandRoutes, suiteViewRoutes } from "./suites.ts";
import { timelineRoutes } from "./timeline.ts";
import { whoamiRoutes } from "./whoami.ts";
import { workerRoutes } from "./worker.ts";
import { workerBundleRoutes } from "./worker-bundle.ts";
import { workerDataRoutes } from "./worker-data.ts";

export const apiPlugins: ReadonlyArray<FastifyPluginAsync<ApiServices>> = [
  whoamiRoutes,
  fieldRoutes,
  productRoutes,
  coastlineRoutes,
  ingestRoutes,
  suiteViewRoutes,
  suiteCommandRoutes,
  suiteDefinitionRoutes,
  fleetRoutes,
  fleetNodeRoutes,
  alertRoutes,
  timelineRoutes,
  workerRoutes,
  workerDataRoutes,
  workerBundleRoutes,
  dataRoleRoutes,
  planRoutes,
];
