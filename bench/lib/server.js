/** Starting and stopping a real `ees serve` process (built: dist/runtime/cli.js). */
import { spawn } from 'node:child_process';
import console from 'node:console';
import { existsSync } from 'node:fs';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { URL, fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../dist/runtime/cli.js', import.meta.url));

/** How long to wait for the server to announce itself or to exit. */
export const PROCESS_DEADLINE_MS = 15_000;

/**
 * Starts `ees serve --port 0 --database-url <databaseUrl> ...extraArgs`; its `url` resolves once
 * the start-up line (`ees <version> listening on <url> (store: ...)`) names the URL.
 */
export function startServer(databaseUrl, extraArgs = []) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--port', '0', '--database-url', databaseUrl, ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  const url = new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      reject(new Error(`ees did not start within ${PROCESS_DEADLINE_MS} ms: ${stderr}`));
    }, PROCESS_DEADLINE_MS);
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
      const match = /^ees \S+ listening on (http:\/\/\S+) \(store: /m.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ees exited with code ${code} before listening: ${stderr.trim()}`));
    });
  });
  return { child, url, exited, stderr: () => stderr };
}

/** Sends SIGTERM and waits for the exit; SIGKILL and a complaint if it is not clean in time. */
export async function stopServer(server) {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill('SIGTERM');
  const code = await Promise.race([
    server.exited,
    new Promise((resolve) => setTimeout(() => resolve('timeout'), PROCESS_DEADLINE_MS).unref()),
  ]);
  if (code !== 0) {
    server.child.kill('SIGKILL');
    console.error(`ees did not shut down cleanly (${code}): ${server.stderr().trim()}`);
  }
}
