// Live updates for the web UI: PostgreSQL notifications relayed as Server-Sent Events on
// GET /api/events. One LISTEN connection per server fans out to every open event stream.
import { EventEmitter } from "node:events";
import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import { listenOn } from "../db/listen.ts";

/**
 * Channels relayed: catalogue arrivals, flow state changes (the operators' and workers', and the
 * engine's own) and job submissions, fleet and alert activity (the UI and the fleet's autoscaler follow
 * them).
 */
export const eventChannels = [
  "fields_registered",
  "flow_changed",
  "flow_advanced",
  "flow_jobs",
  "fleet_changed",
  "alert_raised",
] as const;

export interface EventRelay {
  subscribe(listener: (channel: string, payload: string) => void): () => void;
  close(): Promise<void>;
}

export async function startEventRelay(connectionString: string): Promise<EventRelay> {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  // A lost connection is re-opened: the UI must not go silent after a database restart.
  const listening = await listenOn({
    url: connectionString,
    applicationName: "cloudburst-events",
    channels: eventChannels,
    onNotification: (channel, payload) => emitter.emit("event", channel, payload),
  });
  return {
    subscribe(listener) {
      emitter.on("event", listener);
      return () => emitter.off("event", listener);
    },
    close: () => listening.close(),
  };
}

export function eventRoutes(relay: EventRelay): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    const open = new Set<{ end(): void }>();
    // Event streams never end by themselves: close them so that the server can shut down.
    app.addHook("preClose", async () => {
      for (const stream of open) stream.end();
    });
    app.get("/events", async (request, reply) => {
      reply.hijack();
      reply.raw.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-store",
        connection: "keep-alive",
        "x-request-id": request.id,
      });
      reply.raw.write("retry: 2000\n\n");
      const unsubscribe = relay.subscribe((channel, payload) => {
        reply.raw.write(`event: ${channel}\ndata: ${payload.replace(/\n/g, " ")}\n\n`);
      });
      const keepAlive = setInterval(() => reply.raw.write(": keep-alive\n\n"), 15_000);
      open.add(reply.raw);
      request.raw.on("close", () => {
        clearInterval(keepAlive);
        unsubscribe();
        open.delete(reply.raw);
      });
    });
  };
}
