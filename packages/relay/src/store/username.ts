// Usernames are unique case-insensitively: every adapter stores and compares this normalised form
// (NFKC, then lower case) next to the display form. Syntax is validated by the caller (wire).

/** The form uniqueness is enforced on. */
export function normalizeUsername(username: string): string {
  return username.normalize('NFKC').toLowerCase();
}
