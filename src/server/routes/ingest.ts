// PUT /api/ingest/{name}[?producer=P]: upload one file; answers when its fields are registered, with the
// ingest report (201, or 200 when the same file was registered before). The body is streamed to the
// store's incoming area under a temporary name and handed to the pipeline only once complete: an upload
// cut in the middle is never ingested.
import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline as pipe } from "node:stream/promises";
import type { FastifyPluginAsync } from "fastify";
import { HttpError } from "../errors.ts";
import { type ApiServices, required } from "../services.ts";

const validName = /^[A-Za-z0-9_+,=-][A-Za-z0-9._+,=-]{0,199}$/;

export const ingestRoutes: FastifyPluginAsync<ApiServices> = async (app, services) => {
  // Any body, as a stream (this plugin's scope only): GRIB is not JSON.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (_request, payload, done) => done(null, payload));

  app.put<{ Params: { name: string }; Querystring: { producer?: string } }>(
    "/ingest/:name",
    async (request, reply) => {
      const service = required(services.ingest, "ingest", "data");
      const { name } = request.params;
      if (!validName.test(name) || service.isTemporary(name)) {
        throw new HttpError(
          400,
          "bad_request",
          `"${name}" is not an acceptable file name: letters, digits and ._+,=- only, not hidden, not a temporary name`,
        );
      }
      const limit = service.maxUploadBytes;
      const declared = Number(request.headers["content-length"] ?? 0);
      if (declared > limit)
        throw new HttpError(413, "payload_too_large", `the file is larger than ${limit} bytes`);

      const dir = join(service.store.incomingDir("http"), randomUUID());
      await mkdir(dir, { recursive: true });
      const partial = join(dir, `.${name}.part`);
      const complete = join(dir, name);
      let received = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          received += chunk.length;
          if (received > limit)
            callback(new HttpError(413, "payload_too_large", `the file is larger than ${limit} bytes`));
          else callback(null, chunk);
        },
      });
      try {
        await pipe(request.raw, counter, createWriteStream(partial));
        if (declared && received !== declared) {
          throw new HttpError(400, "bad_request", `the upload ended after ${received} of ${declared} bytes`);
        }
        await rename(partial, complete);
      } catch (error) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
      const report = await service.pipeline.submit({
        path: complete,
        name,
        source: `http:${request.tokenName ?? "unknown"}`,
        producer: request.query.producer,
        mode: "move",
      });
      await rm(dir, { recursive: true, force: true });
      return reply.status(report.outcome === "duplicate" ? 200 : 201).send(report);
    },
  );
};
