import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The project root, where `npm run build` puts `dist/`. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = fileURLToPath(new URL('../../dist/runtime/cli.js', import.meta.url));

/** A spawned `ees` process with its output collected as it arrives. */
export interface EesProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal that ended it). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs `node dist/runtime/cli.js <args>` with only the given environment variables (plus PATH),
 * so settings of the machine running the tests cannot leak in.
 */
export function runEes(args: string[], env: Record<string, string> = {}): EesProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
    });
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Waits for the start-up line and returns the URL it announces. */
export async function listeningUrl(ees: EesProcess, deadlineMs = 15_000): Promise<string> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const match = /listening on (http:\/\/\S+)/.exec(ees.stdout());
    if (match?.[1] !== undefined) return match[1];
    if (ees.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`ees did not start:\n${ees.stdout()}\n${ees.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
