// Zod schemas as Fastify's route schemas: a type provider that gives handlers the schemas' types, a
// validator that answers a 400 with zod's account of what is wrong and where, and a serializer that
// checks every answer against its response schema (an answer never carries a key it does not declare).
import type { FastifyInstance, FastifyPluginAsync, FastifyTypeProvider, RawServerDefault } from "fastify";
import { z } from "zod";

export interface ZodTypeProvider extends FastifyTypeProvider {
  validator: this["schema"] extends z.ZodType ? z.output<this["schema"]> : unknown;
  serializer: this["schema"] extends z.ZodType ? z.input<this["schema"]> : unknown;
}

export type ZodPlugin<Options extends object> = FastifyPluginAsync<
  Options,
  RawServerDefault,
  ZodTypeProvider
>;

/** What a failed request schema says, per issue: where (the key path) and what. */
export function zodIssues(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || "(body)",
    message: issue.message,
  }));
}

/**
 * Makes zod schemas the request validators and response serializers of a plugin's scope (Fastify keeps
 * them to the scope: the other plugins' JSON schemas are untouched).
 */
export function useZodSchemas(
  app: Pick<FastifyInstance, "setValidatorCompiler" | "setSerializerCompiler">,
): void {
  app.setValidatorCompiler(({ schema, url }) => {
    if (!(schema instanceof z.ZodType)) throw new Error(`${url}: this scope takes zod schemas`);
    return (data) => {
      const result = schema.safeParse(data);
      if (result.success) return { value: result.data };
      const detail = zodIssues(result.error)
        .map((i) => `${i.path}: ${i.message}`)
        .join("; ");
      return { error: Object.assign(new Error(detail), { validation: zodIssues(result.error) }) };
    };
  });
  app.setSerializerCompiler(({ schema, url }) => {
    if (!(schema instanceof z.ZodType)) throw new Error(`${url}: this scope takes zod schemas`);
    return (data) => JSON.stringify(schema.parse(data));
  });
}
