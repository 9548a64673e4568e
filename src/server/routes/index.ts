// The feature plugins mounted under /api/ (all behind the bearer token).
import type { FastifyPluginAsync } from "fastify";
import { whoamiRoutes } from "./whoami.ts";

export const apiPlugins: FastifyPluginAsync[] = [whoamiRoutes];
