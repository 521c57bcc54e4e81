/**
 * Collapses a burst of refresh requests: at most one run of `job` in flight and one more queued
 * behind it. Every request made while a run is in flight is served by the ONE queued run, which
 * starts after the current one ends and so sees everything those requests announced. A burst of
 * n incoming messages costs at most 2 refreshes at a time instead of n in parallel (each of which
 * reads the store: the chat list asks for every conversation's last message).
 *
 * The returned function resolves when the run that covers the request has ended. `job`'s errors
 * are its own to show; here they only end the run.
 */
export function coalesce(job: () => Promise<unknown>): () => Promise<void> {
  let current: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  const launch = (): Promise<void> => {
    const done = () => {
      if (current === run) current = null;
    };
    const run: Promise<void> = job().then(done, done);
    current = run;
    return run;
  };
  return () => {
    if (queued) return queued;
    if (!current) return launch();
    // Chained on the run in flight; `queued` stays set until it starts, so no request in between
    // can start a second parallel run.
    queued = current.then(() => {
      queued = null;
      return launch();
    });
    return queued;
  };
}
