import { createServer } from 'node:net';

/**
 * A loopback TCP port nothing listens on right now: the OS picks a free one, which is closed
 * again at once. For servers to start on, and for connections that must be refused.
 */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address === null || typeof address === 'string') reject(new Error('no port'));
        else resolve(address.port);
      });
    });
  });
}
