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
 * Takes the lock for this tab; false if another tab holds it. Without the Web Locks API (only in an
 * insecure context, where WebCrypto is missing too and the app cannot run) there is nothing to take.
 */
export function holdTabLock(name = TAB_LOCK_NAME): Promise<boolean> {
  if (release !== undefined) return Promise.resolve(true);
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (locks === undefined) return Promise.resolve(true);
  return new Promise<boolean>((resolve, reject) => {
    locks
      .request(name, { ifAvailable: true }, (lock) => {
        if (lock === null) {
          resolve(false);
          return undefined;
        }
        // Held until releaseTabLock() resolves this promise (or the tab goes away).
        return new Promise<void>((done) => {
          release = done;
          resolve(true);
        });
      })
      .catch(reject);
  });
}

/** Lets another tab unlock (after this one locked or failed to open). */
export function releaseTabLock(): void {
  release?.();
  release = undefined;
}
