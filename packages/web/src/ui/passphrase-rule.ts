// The passphrase a new store is created with (setup and linking): long enough, typed twice alike.
export const MIN_PASSPHRASE = 8;

/** Why the pair is refused, or undefined when it is fine. */
export function passphraseError(pass: string, repeated: string): string | undefined {
  if (pass.length < MIN_PASSPHRASE) return `Use a passphrase of at least ${MIN_PASSPHRASE} characters.`;
  if (pass !== repeated) return 'The passphrases do not match.';
  return undefined;
}
