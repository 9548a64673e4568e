// GET /api/maps/coastlines: Natural Earth's 1:110m coastlines as longitude/latitude polylines, for the
// UI to draw over field maps. They come from the `world-atlas` package (TopoJSON, installed with the
// server, nothing fetched at run time) and are decoded once.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { FastifyPluginAsync } from "fastify";

/** The parts of a TopoJSON topology this reads (quantized arcs: delta-encoded integer positions). */
interface Topology {
  type: "Topology";
  transform?: { scale: [number, number]; translate: [number, number] };
  arcs: Array<Array<[number, number]>>;
}

export interface Coastlines {
  source: string;
  /** Polylines as flat [lon0, lat0, lon1, lat1, ...], longitudes -180..180. */
  lines: number[][];
}

const source = "Natural Earth 1:110m land (world-atlas 2.0.2)";

/** Positions of every arc, in degrees. */
function decodeArcs(topology: Topology): Array<Array<[number, number]>> {
  const [sx, sy] = topology.transform?.scale ?? [1, 1];
  const [tx, ty] = topology.transform?.translate ?? [0, 0];
  return topology.arcs.map((arc) => {
    if (!topology.transform) return arc;
    let x = 0;
    let y = 0;
    return arc.map(([dx, dy]): [number, number] => {
      x += dx;
      y += dy;
      return [x * sx + tx, y * sy + ty];
    });
  });
}

/**
 * Every arc of the land polygons is a coastline, except where it runs along or jumps across the
 * antimeridian (both ends at ±180°, or a step of more than 180° in longitude, as around Fiji,
 * Chukotka and Antarctica): those would draw false coasts across the map. Arcs are cut there.
 */
export function coastlinesOf(topology: Topology): number[][] {
  const round = (v: number) => Math.round(v * 100) / 100;
  const lines: number[][] = [];
  for (const arc of decodeArcs(topology)) {
    let line: number[] = [];
    arc.forEach(([lon, lat], i) => {
      const previous = arc[i - 1];
      const seam = previous && Math.abs(previous[0]) === 180 && Math.abs(lon) === 180;
      if (previous && (seam || Math.abs(lon - previous[0]) > 180)) {
        if (line.length >= 4) lines.push(line);
        line = [];
      }
      line.push(round(lon), round(lat));
    });
    if (line.length >= 4) lines.push(line);
  }
  return lines;
}

async function loadCoastlines(): Promise<Coastlines> {
  const file = createRequire(import.meta.url).resolve("world-atlas/land-110m.json");
  const topology = JSON.parse(await readFile(file, "utf8")) as Topology;
  return { source, lines: coastlinesOf(topology) };
}

export const coastlineRoutes: FastifyPluginAsync = async (app) => {
  // Read once per server, on first use; a failed read is not remembered: the next request tries again.
  let cached: Promise<Coastlines> | null = null;
  app.get("/maps/coastlines", async (_request, reply) => {
    cached ??= loadCoastlines();
    const coastlines = await cached.catch((error: unknown) => {
      cached = null;
      throw error;
    });
    return reply.header("cache-control", "private, max-age=86400").send(coastlines);
  });
};
