// Who touched a token: user agent first (easy to spoof, so labelled "claims"), then method, then
// timing relative to the send (AUDIT.md "Recognising who touched a token").
export type HitKind = 'link-preview' | 'reputation-scanner' | 'head-probe' | 'crawler' | 'unknown';

export interface Classification {
  readonly label: string;
  readonly kind: HitKind;
  /** Sender-side preview builders fetch from the sender's own device: client behaviour, not a breach. */
  readonly senderSide: boolean;
}

interface Rule {
  readonly pattern: RegExp;
  readonly label: string;
  readonly kind: HitKind;
  readonly senderSide?: boolean;
}

const RULES: readonly Rule[] = [
  { pattern: /SkypeUriPreview/i, label: 'Skype URL preview', kind: 'link-preview' },
  {
    pattern: /facebookexternalhit|facebookcatalog/i,
    label: 'Facebook/Meta link preview',
    kind: 'link-preview',
  },
  { pattern: /Slackbot-LinkExpanding|Slack-ImgProxy/i, label: 'Slack link expander', kind: 'link-preview' },
  {
    pattern: /WhatsApp\//i,
    label: 'WhatsApp link preview (sender device)',
    kind: 'link-preview',
    senderSide: true,
  },
  { pattern: /TelegramBot/i, label: 'Telegram link preview', kind: 'link-preview' },
  { pattern: /Discordbot/i, label: 'Discord link preview', kind: 'link-preview' },
  { pattern: /Twitterbot/i, label: 'Twitter/X card fetcher', kind: 'link-preview' },
  { pattern: /MicrosoftPreview/i, label: 'Microsoft link preview', kind: 'link-preview' },
  { pattern: /BingPreview/i, label: 'Bing preview', kind: 'link-preview' },
  { pattern: /Google-Safety/i, label: 'Google Safe Browsing scanner', kind: 'reputation-scanner' },
  // The scanning-client positive control's "reputation service" (controls/scanning-client.ts).
  { pattern: /LinkReputationCheck/i, label: 'link reputation service (GET)', kind: 'reputation-scanner' },
  { pattern: /Googlebot|bingbot|YandexBot|Baiduspider/i, label: 'search crawler', kind: 'crawler' },
  { pattern: /LinkedInBot/i, label: 'LinkedIn link preview', kind: 'link-preview' },
  {
    pattern: /iMessage|com\.apple\.|Applebot/i,
    label: 'Apple link preview (sender device)',
    kind: 'link-preview',
    senderSide: true,
  },
];

/** Labels one request by user agent and method. */
export function classify(method: string, userAgent: string | null): Classification {
  const ua = userAgent ?? '';
  for (const rule of RULES) {
    if (rule.pattern.test(ua)) {
      return { label: rule.label, kind: rule.kind, senderSide: rule.senderSide ?? false };
    }
  }
  if (method.toUpperCase() === 'HEAD') {
    // 2013: Microsoft's HEAD requests resolved landing pages — a reputation/redirect checker.
    return {
      label: 'HEAD-only probe (reputation or redirect checker)',
      kind: 'head-probe',
      senderSide: false,
    };
  }
  return {
    label: ua === '' ? 'unknown fetcher (no user agent)' : 'unknown fetcher',
    kind: 'unknown',
    senderSide: false,
  };
}

export type Timing = 'before-send' | 'inline' | 'delayed' | 'batch' | 'unsent';

/** Seconds = inline preview; minutes = delayed; hours = batch scanner (heise saw hours). */
export function timing(
  sentAt: Date | undefined,
  hitAt: Date,
): { timing: Timing; delaySeconds: number | null } {
  if (sentAt === undefined) return { timing: 'unsent', delaySeconds: null };
  const d = (hitAt.getTime() - sentAt.getTime()) / 1000;
  if (d < 0) return { timing: 'before-send', delaySeconds: d };
  if (d < 60) return { timing: 'inline', delaySeconds: d };
  if (d < 3600) return { timing: 'delayed', delaySeconds: d };
  return { timing: 'batch', delaySeconds: d };
}
