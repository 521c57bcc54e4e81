// Reports never contain live links (AUDIT.md): pasting a report into a chat would make that service
// fetch the token. `http://127.0.0.1/x` becomes `hxxp://127[.]0[.]0[.]1/x`.
const URL_PATTERN = /\bh(tt)(ps?):\/\/([^\s/?#"'<>]*)/gi;

export function defang(text: string): string {
  return text.replace(
    URL_PATTERN,
    (_m, _tt: string, ps: string, host: string) => `hxx${ps}://${host.replace(/\./g, '[.]')}`,
  );
}

/** True when the text still contains something a linkifier would turn into a link. */
export function hasLiveLink(text: string): boolean {
  return /https?:\/\//i.test(text);
}
