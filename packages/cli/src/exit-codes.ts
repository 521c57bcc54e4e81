// The `sotto` exit codes, documented in docs/cli.md. Scripts depend on them: never renumber.
export const ExitCode = {
  /** Success (for `sotto relay`: stopped cleanly by SIGINT/SIGTERM). */
  Ok: 0,
  /** An unexpected internal error (a bug): rerun with --debug and report it. */
  Internal: 1,
  /** Bad usage or input: unknown command or flag, invalid flag/env/config value. */
  Usage: 2,
  /** A resource is unavailable: relay unreachable, port in use, data dir not writable. */
  Unavailable: 3,
  /** Authentication failed: wrong passphrase, device not recognised by the relay. */
  Auth: 4,
  /** Something named does not exist: unknown contact, account or username. */
  NotFound: 5,
  /** Refused for safety: a contact's identity key changed and is not yet accepted. */
  Untrusted: 6,
  /** The relay failed to shut down cleanly within the grace period. */
  ShutdownTimeout: 7,
  /** `sotto audit self`: a positive control was not caught, so the run proves nothing. */
  AuditInconclusive: 8,
  /** Interrupted (SIGINT) before a one-shot command completed; SIGINT or SIGTERM during `audit self`. */
  Interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
