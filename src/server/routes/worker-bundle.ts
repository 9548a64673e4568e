// /api/worker/bundle: the release this server runs and its bundle (as the thesis served its RPMs from
// the data server), for a node whose golden image holds another release to install at boot. Unlike
// the rest of the worker protocol, a node of another release is served here: that is the point.
import { createHash } from "node:crypto";
import { createReadStream, statSync } from "node:fs";
import { basename } from "node:path";
import { pipeline } from "node:stream/promises";
import { type BundleAnswer, bundleAnswer } from "../../worker/protocol.ts";
import { HttpError } from "../errors.ts";
import type { ApiServices } from "../services.ts";
import { useZodSchemas, type ZodPlugin } from "../zod.ts";

type Bundle = NonNullable<BundleAnswer["bundle"]>;

async function describeBundle(path: string): Promise<Bundle> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return { name: basename(path), sha256: hash.digest("hex"), bytes: statSync(path).size };
}

export const workerBundleRoutes: ZodPlugin<ApiServices> = async (app, services) => {
  useZodSchemas(app);
  const path = services.releaseBundle;
  // Hashed once, on first demand: a bundle is some 100 MB and does not change under a running server.
  let described: Promise<Bundle> | null = null;
  const bundle = (file: string) => (described ??= describeBundle(file));

  app.get("/worker/bundle", { schema: { response: { 200: bundleAnswer } } }, async () => ({
    version: services.version,
    bundle: path ? await bundle(path) : null,
  }));

  app.get("/worker/bundle/file", async (_request, reply) => {
    if (!path)
      throw new HttpError(
        404,
        "no_release_bundle",
        `this server has no bundle of its release (cloudburst ${services.version}) to give: the playbook keeps it in /opt/cloudburst/releases, \`npm run release\` builds it in dist/; or update the golden image (\`cloudburst fleet golden\`)`,
      );
    const { name, bytes } = await bundle(path);
    return reply
      .header("content-type", "application/gzip")
      .header("content-length", bytes)
      .header("content-disposition", `attachment; filename="${name}"`)
      .send(createReadStream(path));
  });
};
