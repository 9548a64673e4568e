// GET /api/data-role/settings: the control role hands the data server what it runs with (its
// configuration, the secrets it names, where to listen, the certificate nodes pin). Only the data
// server's own token of its cycle opens it: it carries the database URL, so not even an operator's.
import { dataRoleSettings } from "../../config/handover.ts";
import { HttpError } from "../errors.ts";
import { type ApiServices, required } from "../services.ts";
import { useZodSchemas, type ZodPlugin } from "../zod.ts";

export const dataRoleRoutes: ZodPlugin<ApiServices> = async (app, services) => {
  useZodSchemas(app);
  app.get("/data-role/settings", { schema: { response: { 200: dataRoleSettings } } }, async (request) => {
    if (request.tokenScope !== "data")
      throw new HttpError(
        403,
        "forbidden",
        "the data role's settings hold secrets: only the data server's own token (in its user data, for its cycle) reads them",
      );
    const settings = required(services.dataRoleSettings, "handing the data server its settings", "control");
    request.log.info({ token: request.tokenName }, "the data server took its settings");
    return settings();
  });
};
