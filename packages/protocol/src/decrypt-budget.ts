/**
 * How much chain walking one incoming message may cost before its MAC can be checked.
 *
 * The receiver derives keys up to the message's claimed counter (Double Ratchet) and SPQR index
 * before the MAC tells it whether the message is genuine, and a message that fails on the current
 * state is tried on every archived one (up to 40, libsignal `try_decrypt_from_record`). With a
 * separate 25,000-step limit per state, one forged message cost 41 × 25,000 chain steps of each
 * kind (17–31 s of CPU here). So the current state keeps libsignal's limits, and all archived
 * states together share one more allowance of the same size: a forged message costs at most two
 * states' worth of walking. A genuine message to an archived state gets the same 25,000 steps in
 * all, which is far beyond the gaps an old session leaves.
 */
import { MAX_FORWARD_JUMPS } from './session-state.js';
import { SPQR_MAX_JUMP } from './spqr.js';

export interface DecryptBudget {
  /** Double Ratchet chain steps still allowed (symmetric-key ratchet, one HMAC each). */
  chainSteps: number;
  /** SPQR chain steps still allowed (one HKDF each). */
  spqrSteps: number;
}

/** A fresh allowance: libsignal's per-state limits. */
export function decryptBudget(): DecryptBudget {
  return { chainSteps: MAX_FORWARD_JUMPS, spqrSteps: SPQR_MAX_JUMP };
}
