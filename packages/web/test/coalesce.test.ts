// Refresh coalescing of the web UI (src/ui/coalesce.ts): a burst of incoming messages must not start
// one chat-list refresh per message in parallel.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { coalesce } from '../src/ui/coalesce.js';

/** A job whose runs end only when the test says so; records how many ran and at most at once. */
function gatedJob() {
  const state = { started: 0, running: 0, maxRunning: 0, release: [] as (() => void)[] };
  const job = () =>
    new Promise<void>((resolve) => {
      state.started++;
      state.running++;
      state.maxRunning = Math.max(state.maxRunning, state.running);
      state.release.push(() => {
        state.running--;
        resolve();
      });
    });
  return { state, job };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

void describe('coalesce (UI refreshes)', () => {
  void it('serves a burst of 200 requests with the run in flight and ONE more after it', async () => {
    const { state, job } = gatedJob();
    const refresh = coalesce(job);
    const done = Array.from({ length: 200 }, () => refresh());
    await tick();
    assert.equal(state.started, 1);
    state.release.shift()!();
    await tick();
    assert.equal(state.started, 2, 'the queued run starts once the first ends');
    state.release.shift()!();
    await Promise.all(done);
    assert.equal(state.started, 2);
    assert.equal(state.maxRunning, 1);
  });

  void it('starts the queued run after the last request, so it sees what that request announced', async () => {
    const { state, job } = gatedJob();
    let announced = 0;
    const seen: number[] = [];
    const refresh = coalesce(async () => {
      const at = announced;
      await job();
      seen.push(at);
    });
    void refresh();
    for (let i = 1; i <= 50; i++) {
      announced = i;
      void refresh();
      if (i % 10 === 0) await tick();
    }
    while (state.release.length > 0 || state.running > 0) {
      state.release.shift()?.();
      await tick();
    }
    assert.equal(seen.at(-1), 50, `runs saw ${seen.join(',')}`);
    assert.ok(seen.length <= 3, `${seen.length} runs for 51 requests`);
    assert.equal(state.maxRunning, 1);
  });

  void it('runs again for a request after a failed run, and each request resolves', async () => {
    let runs = 0;
    const refresh = coalesce(() => {
      runs++;
      return runs === 1 ? Promise.reject(new Error('store busy')) : Promise.resolve();
    });
    await refresh();
    await refresh();
    assert.equal(runs, 2);
  });
});
