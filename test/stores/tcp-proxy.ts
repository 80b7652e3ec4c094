import type { AddressInfo, Server, Socket } from 'node:net';
import { connect, createServer } from 'node:net';

/**
 * A TCP proxy between a store and PostgreSQL that a test can break on purpose:
 * - `refuse()`: drops every connection and stops listening, as a stopped server does;
 * - `blackHole()`: keeps every connection open but passes nothing either way, as a cut
 *   network does (no reset ever arrives);
 * - `restore()`: forwards again; connections broken meanwhile are closed.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private mode: 'open' | 'black-hole' | 'refusing' = 'open';
  private portNumber = 0;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetHost, targetPort);
    await proxy.listen();
    return proxy;
  }

  get port(): number {
    return this.portNumber;
  }

  private listen(): Promise<void> {
    const server = createServer((socket) => {
      this.accept(socket);
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.portNumber, '127.0.0.1', () => {
        this.portNumber = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  }

  private accept(client: Socket): void {
    this.track(client);
    if (this.mode !== 'open') {
      // A black hole accepts and then never answers.
      client.pause();
      return;
    }
    const upstream = connect(this.targetPort, this.targetHost);
    this.track(upstream);
    const forward = (from: Socket, to: Socket): void => {
      from.on('data', (chunk: Buffer) => {
        if (this.mode === 'open') to.write(chunk);
      });
      from.on('close', () => to.destroy());
    };
    forward(client, upstream);
    forward(upstream, client);
  }

  private destroyAll(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  /** From now on nothing passes in either direction, and nothing is closed. */
  blackHole(): void {
    this.mode = 'black-hole';
  }

  /** Closes every connection and stops listening: new connections are refused. */
  async refuse(): Promise<void> {
    this.mode = 'refusing';
    const server = this.server;
    this.server = undefined;
    this.destroyAll();
    if (server !== undefined) {
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    }
  }

  /** Forwards again, on the same port; connections that were cut off are closed. */
  async restore(): Promise<void> {
    this.destroyAll();
    this.mode = 'open';
    if (this.server === undefined) await this.listen();
  }

  async close(): Promise<void> {
    await this.refuse();
  }
}
