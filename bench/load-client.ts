/**
 * The end-to-end benchmark's load generator: HTTP/1.1 POSTs over pooled keep-alive sockets, written and read by
 * hand. It plays 8x8 and API Gateway, whose work is not ours, yet it runs in the server's own process and takes
 * the same two cores: Node's `http.request` spent about 0.1 ms of CPU per request on this side of the hop (a
 * ClientRequest, its header handling, an IncomingMessage stream), counted against the stack and the floor over
 * HTTP alike. This client writes one pre-built request and parses the status line, Content-Length or chunked
 * body of the answer, and nothing else: enough for the servers it talks to (the local server and the floor's),
 * which always answer with a body.
 */
import { connect, type Socket } from "node:net";

export interface Answer {
  status: number;
  text: string;
}

interface Pending {
  resolve(answer: Answer): void;
  reject(error: Error): void;
}

/** One keep-alive connection: one request at a time. */
class Connection {
  private buffered: Buffer = Buffer.alloc(0);
  private pending: Pending | undefined;
  closed = false;
  lastUsed = performance.now();

  constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      this.buffered = this.buffered.length > 0 ? Buffer.concat([this.buffered, chunk]) : chunk;
      this.parse();
    });
    const closed = (error: Error) => {
      this.closed = true;
      this.settle(undefined, error);
    };
    socket.on("error", closed);
    socket.on("close", () => closed(new Error("the server closed the connection")));
  }

  static open(host: string, port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host, () => {
        socket.off("error", reject);
        resolve(new Connection(socket));
      });
      socket.once("error", reject);
    });
  }

  send(request: string): Promise<Answer> {
    if (this.pending) return Promise.reject(new Error("a request is already in flight on this connection"));
    return new Promise<Answer>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(request);
    });
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private settle(answer: Answer | undefined, error?: Error): void {
    const pending = this.pending;
    this.pending = undefined;
    this.lastUsed = performance.now();
    if (!pending) return;
    if (answer) pending.resolve(answer);
    else pending.reject(error ?? new Error("no answer"));
  }

  /** A whole answer in the buffer: settle the request with it (a partial one waits for more data). */
  private parse(): void {
    const buf = this.buffered;
    const headEnd = buf.indexOf("\r\n\r\n");
    if (headEnd < 0) return;
    const head = buf.toString("latin1", 0, headEnd);
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    let bodyStart = headEnd + 4;
    let text: string;
    let rest: number;
    if (length) {
      const end = bodyStart + Number(length[1]);
      if (buf.length < end) return;
      text = buf.toString("utf8", bodyStart, end);
      rest = end;
    } else if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = buf.indexOf("\r\n", bodyStart);
        if (lineEnd < 0) return;
        const size = Number.parseInt(buf.toString("latin1", bodyStart, lineEnd), 16);
        if (size === 0) {
          if (buf.length < lineEnd + 4) return;
          rest = lineEnd + 4;
          break;
        }
        if (buf.length < lineEnd + 2 + size + 2) return;
        parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
        bodyStart = lineEnd + 2 + size + 2;
      }
      text = Buffer.concat(parts).toString("utf8");
    } else {
      this.settle(undefined, new Error(`an answer without a length (HTTP ${status})`));
      this.destroy();
      return;
    }
    this.buffered = buf.subarray(rest);
    if (/\r\nconnection: *close/i.test(head)) this.destroy();
    this.settle({ status, text });
  }
}

/**
 * Keep-alive connections per origin, like an Agent: `open` makes sure N are idle (so a round's clock never
 * includes a TCP handshake), `post` takes an idle one or opens another. A connection idle for longer than
 * `maxIdleMs` is closed rather than reused, before the server's own keep-alive timeout (5 s) can close it under a
 * new request.
 */
export class LoadClient {
  private readonly idle = new Map<string, Connection[]>();

  constructor(private readonly maxIdleMs = 3_000) {}

  /**
   * `n` idle connections to the URL's origin. With `get`, each of them then sends a GET of the URL and reads its
   * answer (untimed), warming whatever the server does for a request before a round's clock starts.
   */
  async open(url: string, n: number, options: { get?: boolean } = {}): Promise<void> {
    const { hostname, port, pathname } = new URL(url);
    const pool = this.pool(`${hostname}:${port}`);
    this.prune(pool);
    const missing = Math.max(0, n - pool.length);
    pool.push(...(await Promise.all(Array.from({ length: missing }, () => Connection.open(hostname, Number(port))))));
    if (!options.get) return;
    const get = `GET ${pathname} HTTP/1.1\r\nhost: ${hostname}:${port}\r\n\r\n`;
    const probed = pool.splice(0);
    await Promise.all(probed.map((connection) => connection.send(get)));
    pool.push(...probed.filter((connection) => !connection.closed));
  }

  async post(url: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
    const { hostname, port, pathname } = new URL(url);
    const pool = this.pool(`${hostname}:${port}`);
    this.prune(pool);
    const connection = pool.pop() ?? (await Connection.open(hostname, Number(port)));
    let request =
      `POST ${pathname} HTTP/1.1\r\nhost: ${hostname}:${port}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n`;
    for (const [name, value] of Object.entries(headers)) request += `${name}: ${value}\r\n`;
    const answer = await connection.send(`${request}\r\n${body}`);
    if (!connection.closed) pool.push(connection);
    return answer;
  }

  close(): void {
    for (const pool of this.idle.values()) for (const connection of pool.splice(0)) connection.destroy();
  }

  private pool(origin: string): Connection[] {
    const pool = this.idle.get(origin) ?? [];
    this.idle.set(origin, pool);
    return pool;
  }

  private prune(pool: Connection[]): void {
    const now = performance.now();
    for (let i = pool.length - 1; i >= 0; i--) {
      const connection = pool[i] as Connection;
      if (connection.closed || now - connection.lastUsed > this.maxIdleMs) {
        connection.destroy();
        pool.splice(i, 1);
      }
    }
  }
}
