/**
 * Polls `condition` until it holds, failing after `deadlineMs`: async conditions are awaited
 * this way rather than with fixed sleeps, so slow machines are slower but never flaky.
 */
export async function waitFor(
  condition: () => Promise<boolean>,
  deadlineMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
