/**
 * One unlocked tab per browser profile. Two tabs on the same IndexedDB would each run a Messenger
 * for the same device: the relay keeps only the newest WebSocket (the older tab goes silent, showing
 * "closed"), and two tabs advancing the same ratchet from their own in-memory view could send two
 * messages under one message key. The Web Locks API gives an exclusive, per-origin lock that the
 * browser releases by itself when the holding tab closes or reloads.
 */

export const TAB_LOCK_NAME = 'sotto-account';

/** Thrown when another tab of this browser holds the account open. */
export class TabLockError extends Error {
  readonly code = 'OpenInAnotherTab';
  constructor() {
    super('the account is unlocked in another tab');
    this.name = 'TabLockError';
  }
}

let release: (() => void) | undefined;

/**
 * How long to wait for the lock. A reloaded tab's old document releases it as it is torn down, which
 * on a busy machine can be a moment after the new document asks; a tab that really holds the account
 * open keeps it, and the wait ends with a refusal.
 */
export const TAB_LOCK_WAIT_MS = 2_000;

/**
 * Takes the lock for this tab; false if another tab still holds it after `waitMs`. Without the Web
 * Locks API (only in an insecure context, where WebCrypto is missing too and the app cannot run)
 * there is nothing to take.
 */
export function holdTabLock(name = TAB_LOCK_NAME, waitMs = TAB_LOCK_WAIT_MS): Promise<boolean> {
  if (release !== undefined) return Promise.resolve(true);
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (locks === undefined) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    locks
      .request(name, { signal: AbortSignal.timeout(waitMs) }, () => {
        // Held until releaseTabLock() resolves this promise (or the tab goes away).
        return new Promise<void>((done) => {
          release = done;
          resolve(true);
        });
      })
      // Not granted in time (TimeoutError): another tab has the account open.
      .catch(() => resolve(false));
  });
}

/** Lets another tab unlock (after this one locked or failed to open). */
export function releaseTabLock(): void {
  release?.();
  release = undefined;
}
