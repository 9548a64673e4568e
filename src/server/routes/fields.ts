// The catalogue over HTTP (under /api, token required):
//   GET /api/fields?KEY=VALUE...&limit=N&after=ID   fields, in the filter language of src/catalogue/query.ts
//   GET /api/fields/{id}                           one field's metadata and location
//   GET /api/fields/{id}/grib                      the field's GRIB bytes (Range requests answered with 206)
//   GET /api/fields/{id}/values?bbox=W,S,E,N       decoded values (lat, lon, value) inside a box, as JSON
//   GET /api/fields/{id}/preview.png?width=N        a PNG map of the field, colour scale per parameter
//   GET /api/fields/{id}/raster?width=N             the whole field on a lat/lon raster for the UI's map (raster.ts)
//   GET /api/cycles?producer=P                     cycles with progress
//   GET /api/quarantine?file=NAME                  quarantined regions
//   GET /api/ingest/files?name=NAME                received files and their versions
import type { FastifyPluginAsync, FastifyReply } from "fastify";
import { renderPreview } from "../../catalogue/preview.ts";
import {
  type FieldRow,
  FilterError,
  getField,
  listCycles,
  listFields,
  listFiles,
  listQuarantine,
  parseFieldFilter,
} from "../../catalogue/query.ts";
import { type DecodedMessage, decodeMessage, isGribError } from "../../grib/index.ts";
import type { LocalStore } from "../../store/store.ts";
import { HttpError } from "../errors.ts";
import { type ApiServices, required } from "../services.ts";
import { rasterise, rasterQuery, sendRaster } from "./raster.ts";

const pageKeys = new Set(["limit", "after"]);

/** A stored field the codec refuses (damaged bytes) answers 422 saying what is wrong, not 500. */
function fromCodec<T>(field: FieldRow, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (!isGribError(error)) throw error;
    throw new HttpError(422, "undecodable_field", `field ${field.id} cannot be decoded: ${error.message}`, {
      hint: "the stored message is damaged: ingest its file again, or see GET /api/quarantine",
    });
  }
}

function decodeStored(field: FieldRow, bytes: Uint8Array): DecodedMessage {
  return fromCodec(field, () => decodeMessage(bytes, { offset: field.offset }));
}

function positiveInt(value: unknown, what: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new HttpError(400, "bad_request", `${what}: expected a whole number`);
  return n;
}

export async function fieldOrFail(pool: import("pg").Pool, idText: string): Promise<FieldRow> {
  const id = Number(idText);
  if (!Number.isSafeInteger(id) || id <= 0)
    throw new HttpError(400, "bad_request", `"${idText}" is not a field id`);
  const field = await getField(pool, id);
  if (!field) throw new HttpError(404, "not_found", `no field ${id}`, { hint: "GET /api/fields lists them" });
  return field;
}

/** Parses "bytes=a-b", "bytes=a-" or "bytes=-n" against a length; null when absent; throws 416 when unsatisfiable. */
export function parseRange(
  header: string | undefined,
  length: number,
): { start: number; end: number } | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return null; // not one simple range: serve the whole field
  let start: number;
  let end: number;
  if (m[1] === "") {
    start = Math.max(0, length - Number(m[2]));
    end = length - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? length - 1 : Math.min(Number(m[2]), length - 1);
  }
  if (start > end || start >= length) {
    throw new HttpError(
      416,
      "range_not_satisfiable",
      `range ${header} is outside the field's ${length} bytes`,
    );
  }
  return { start, end };
}

export function sendField(
  reply: FastifyReply,
  store: LocalStore,
  field: FieldRow,
  rangeHeader: string | undefined,
) {
  const range = parseRange(rangeHeader, field.length);
  const start = range?.start ?? 0;
  const end = range?.end ?? field.length - 1;
  reply
    .header("content-type", "application/x-grib")
    .header("accept-ranges", "bytes")
    .header("etag", `"${field.checksum}"`)
    .header("content-disposition", `attachment; filename="field-${field.id}.grib"`)
    .header("content-length", String(end - start + 1));
  if (range) reply.status(206).header("content-range", `bytes ${start}-${end}/${field.length}`);
  return reply.send(store.readRange(field.storageUri, field.offset + start, end - start + 1));
}

export const fieldRoutes: FastifyPluginAsync<ApiServices> = async (app, services) => {
  const storeOrFail = () => required(services.store, "the store", "data");
  app.get("/fields", async (request) => {
    const query = request.query as Record<string, string | string[]>;
    const terms: Array<[string, string]> = [];
    for (const [key, value] of Object.entries(query)) {
      if (pageKeys.has(key)) continue;
      terms.push([key, Array.isArray(value) ? value.join(",") : value]);
    }
    try {
      const filter = parseFieldFilter(terms);
      const limit = positiveInt(query["limit"], "limit") ?? 1000;
      const after = positiveInt(query["after"], "after");
      const fields = await listFields(app.pool, filter, { limit, ...(after !== undefined ? { after } : {}) });
      const last = fields.at(-1);
      return { fields, next: fields.length === limit && last ? last.id : null };
    } catch (error) {
      if (error instanceof FilterError) throw new HttpError(400, "bad_request", error.message);
      throw error;
    }
  });

  app.get<{ Params: { id: string } }>("/fields/:id", async (request) =>
    fieldOrFail(app.pool, request.params.id),
  );

  app.get<{ Params: { id: string } }>("/fields/:id/grib", async (request, reply) => {
    const field = await fieldOrFail(app.pool, request.params.id);
    return sendField(reply, storeOrFail(), field, request.headers.range);
  });

  app.get<{ Params: { id: string }; Querystring: { bbox?: string; limit?: string } }>(
    "/fields/:id/values",
    async (request) => {
      const field = await fieldOrFail(app.pool, request.params.id);
      const bbox = (request.query.bbox ?? "-180,-90,360,90").split(",").map(Number);
      if (bbox.length !== 4 || bbox.some((n) => !Number.isFinite(n)))
        throw new HttpError(400, "bad_request", "bbox: expected W,S,E,N in degrees, e.g. bbox=20,59,32,71");
      const [west, south, east, north] = bbox as [number, number, number, number];
      const limit = positiveInt(request.query.limit, "limit") ?? 100_000;
      const store = storeOrFail();
      const bytes = await store.readBytes(field.storageUri, field.offset, field.length);
      const message = decodeStored(field, bytes);
      const { latitudes, longitudes } = fromCodec(field, () => message.geometry());
      const values = fromCodec(field, () => message.values());
      const points: Array<[number, number, number | null]> = [];
      const inLon = (lon: number) => {
        const l = ((((lon - west) % 360) + 360) % 360) + west;
        return l <= east;
      };
      for (let i = 0; i < values.length && points.length < limit; i++) {
        const lat = latitudes[i]!;
        const lon = longitudes[i]!;
        if (lat < south || lat > north || !inLon(lon)) continue;
        const v = values[i]!;
        points.push([lat, lon, Number.isNaN(v) ? null : v]);
      }
      return { field: field.id, param: field.param, units: message.metadata.units, bbox, points };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { width?: string } }>(
    "/fields/:id/preview.png",
    async (request, reply) => {
      const field = await fieldOrFail(app.pool, request.params.id);
      const width = positiveInt(request.query.width, "width");
      const bytes = await storeOrFail().readBytes(field.storageUri, field.offset, field.length);
      const message = decodeStored(field, bytes);
      const preview = fromCodec(field, () => {
        const { latitudes, longitudes } = message.geometry();
        return renderPreview(latitudes, longitudes, message.values(), field.param, width);
      });
      return reply
        .header("content-type", "image/png")
        .header("cache-control", "max-age=86400")
        .header("x-colour-scale", preview.scale)
        .header("x-value-min", String(preview.min))
        .header("x-value-max", String(preview.max))
        .send(preview.png);
    },
  );

  app.get<{ Params: { id: string }; Querystring: { width: number } }>(
    "/fields/:id/raster",
    { schema: { querystring: rasterQuery } },
    async (request, reply) => {
      const field = await fieldOrFail(app.pool, request.params.id);
      const bytes = await storeOrFail().readBytes(field.storageUri, field.offset, field.length);
      const message = decodeStored(field, bytes);
      return sendRaster(
        reply,
        fromCodec(field, () => rasterise(message, field.param, request.query.width)),
      );
    },
  );

  app.get<{ Querystring: { producer?: string; limit?: string } }>("/cycles", async (request) =>
    listCycles(app.pool, {
      producer: request.query.producer,
      limit: positiveInt(request.query.limit, "limit") ?? 100,
    }),
  );

  app.get<{ Querystring: { file?: string; limit?: string } }>("/quarantine", async (request) =>
    listQuarantine(app.pool, {
      file: request.query.file,
      limit: positiveInt(request.query.limit, "limit") ?? 100,
    }),
  );

  app.get<{ Querystring: { name?: string; limit?: string } }>("/ingest/files", async (request) =>
    listFiles(app.pool, {
      name: request.query.name,
      limit: positiveInt(request.query.limit, "limit") ?? 100,
    }),
  );
};
