/**
 * Server-sent events to every open page: one stream per page, a named event per change, and a comment line now
 * and then so proxies and the browser keep an idle stream open (the browser's EventSource reconnects by itself).
 */
import type { IncomingMessage, ServerResponse } from "node:http";

const HEARTBEAT_MS = 15_000;

export class EventStream {
  private readonly clients = new Set<ServerResponse>();
  private heartbeat: NodeJS.Timeout | undefined;

  get size(): number {
    return this.clients.size;
  }

  /** Keeps the response open as an event stream; `hello` is sent first, so a page that reconnects catches up. */
  open(req: IncomingMessage, res: ServerResponse, hello: { event: string; data: unknown }): void {
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
    });
    res.write(`retry: 1000\n${frame(hello.event, hello.data)}`);
    this.clients.add(res);
    this.heartbeat ??= setInterval(() => {
      for (const client of this.clients) client.write(": keep-alive\n\n");
    }, HEARTBEAT_MS).unref();
    req.on("close", () => {
      this.clients.delete(res);
      if (this.clients.size === 0) this.stopHeartbeat();
    });
  }

  send(event: string, data: unknown): void {
    const text = frame(event, data);
    for (const client of this.clients) client.write(text);
  }

  close(): void {
    this.stopHeartbeat();
    for (const client of this.clients) client.end();
    this.clients.clear();
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
