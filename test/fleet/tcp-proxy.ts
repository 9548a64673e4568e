// A loopback TCP proxy whose link can be cut: every open connection is reset and new ones are refused
// (ECONNREFUSED), as when the database's host dies or fails over; `restore` listens again on the
// same port. Put in front of PostgreSQL to take the database away from a process and give it back.
import { connect, createServer, type Server, type Socket } from "node:net";

export class TcpProxy {
  readonly port: number;
  readonly #target: { host: string; port: number };
  readonly #sockets = new Set<Socket>();
  #server: Server;

  private constructor(server: Server, port: number, target: { host: string; port: number }) {
    this.#server = server;
    this.port = port;
    this.#target = target;
  }

  static async start(target: { host: string; port: number }, port = 0): Promise<TcpProxy> {
    const pipes: Array<(socket: Socket) => void> = [];
    const server = await listen(createServer(), port, (socket) => pipes[0]?.(socket));
    const proxy = new TcpProxy(server, (server.address() as { port: number }).port, target);
    pipes.push((socket) => proxy.#pipe(socket));
    return proxy;
  }

  /** `url` (a postgres:// URL) pointed at this proxy. */
  via(url: string): string {
    const u = new URL(url);
    u.hostname = "127.0.0.1";
    u.port = String(this.port);
    return u.toString();
  }

  /** Resets every connection and refuses new ones. */
  async cut(): Promise<void> {
    const closed = new Promise<void>((ok) => this.#server.close(() => ok()));
    for (const socket of this.#sockets) socket.resetAndDestroy();
    await closed;
  }

  /** Accepts connections again, on the same port. */
  async restore(): Promise<void> {
    this.#server = await listen(createServer(), this.port, (socket) => this.#pipe(socket));
  }

  async close(): Promise<void> {
    if (this.#server.listening) await this.cut();
  }

  #pipe(client: Socket): void {
    const upstream = connect(this.#target.port, this.#target.host);
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}

function listen(server: Server, port: number, onConnection: (socket: Socket) => void): Promise<Server> {
  server.on("connection", onConnection);
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => ok(server));
  });
}
