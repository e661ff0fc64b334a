/** Listening on loopback for the local servers (the stack, the example back end). */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Resolves with the port listened on; with `fallback`, a busy port falls back to a free one. */
export function listen(server: Server, port: number, host: string, fallback = false): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      if (err.code === "EADDRINUSE" && fallback && port !== 0) {
        server.listen(0, host);
        return;
      }
      server.off("listening", onListening);
      reject(err);
    };
    const onListening = () => {
      server.off("error", onError);
      resolvePort((server.address() as AddressInfo).port);
    };
    server.on("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}

export function close(server: Server): Promise<void> {
  return new Promise((resolveClose) => {
    server.close(() => resolveClose());
    // keep-alive connections (curl, fetch) would hold close() open for seconds
    server.closeAllConnections();
  });
}
