/**
 * Message text with links rendered as TEXT: no <a>, no href, nothing fetched or previewed. The real
 * registrable domain is highlighted and @sotto/client's offline warnings are shown beside it.
 */
import { segmentText, type LinkSegment } from '@sotto/client';

const WARNING_TEXT: Record<string, string> = {
  userinfo: 'text before @ is not the site',
  punycode: 'encoded international name',
  'non-ascii': 'non-ASCII characters',
  'mixed-script': 'mixed alphabets (lookalike?)',
  'ip-address': 'bare IP address',
  'not-http': 'not a web link',
  'known-bad': 'known-bad domain',
};

function Link({ seg }: { seg: LinkSegment }) {
  const lower = seg.text.toLowerCase();
  const at = lower.lastIndexOf(seg.registrableDomain, lower.indexOf(seg.host) + seg.host.length);
  const parts =
    at >= 0 && seg.registrableDomain !== ''
      ? [
          seg.text.slice(0, at),
          seg.text.slice(at, at + seg.registrableDomain.length),
          seg.text.slice(at + seg.registrableDomain.length),
        ]
      : [seg.text, '', ''];
  return (
    <span class="link" data-testid="link" title="Links are not opened by Sotto. Copy it if you trust it.">
      {parts[0]}
      {parts[1] !== '' && <mark class="domain">{parts[1]}</mark>}
      {parts[2]}
      {parts[1] === '' && <mark class="domain"> [{seg.registrableDomain}]</mark>}
      {seg.warnings.length > 0 && (
        <span class="link-warning" data-testid="link-warning">
          {' '}
          ⚠ {seg.warnings.map((w) => WARNING_TEXT[w] ?? w).join(', ')}
        </span>
      )}
    </span>
  );
}

export function LinkText({ text }: { text: string }) {
  return (
    // dir=auto: each message takes its own direction from its first strong character (RTL text
    // keeps its punctuation and numbers in place inside an LTR page).
    <span class="text" dir="auto">
      {segmentText(text).map((seg, i) =>
        seg.kind === 'link' ? <Link key={i} seg={seg} /> : <span key={i}>{seg.text}</span>,
      )}
    </span>
  );
}
