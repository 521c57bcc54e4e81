/**
 * Message text with links rendered as TEXT: no <a>, no href, nothing fetched or previewed. The real
 * registrable domain is highlighted and @sotto/client's offline warnings are shown beside it.
 */
import { revealInvisible, segmentText, type LinkSegment } from '@sotto/client';

const WARNING_TEXT: Record<string, string> = {
  userinfo: 'text before @ is not the site',
  punycode: 'encoded international name',
  'non-ascii': 'non-ASCII characters',
  'mixed-script': 'mixed alphabets (lookalike?)',
  'ip-address': 'bare IP address',
  'not-http': 'not a web link',
  'known-bad': 'known-bad domain',
  disguised: 'written in a disguised form: it really goes to the domain in brackets',
  invisible: 'invisible characters (shown as ⟨U+…⟩)',
};

function Link({ seg }: { seg: LinkSegment }) {
  // The domain is highlighted where it is written only when that is where the link goes (links.ts
  // says where); otherwise it is shown apart, in brackets. Invisible characters are spelled out.
  const [start, end] = seg.domainAt ?? [seg.text.length, seg.text.length];
  const parts = [seg.text.slice(0, start), seg.text.slice(start, end), seg.text.slice(end)].map(
    revealInvisible,
  );
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
