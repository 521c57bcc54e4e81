// A QR code as an <img> with an SVG data: URL (allowed by img-src 'self' data:; no script, no fetch).
import { qrSvg } from '@sotto/client';

export function QrImage({ text, label }: { text: string; label: string }) {
  const src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(qrSvg(text))}`;
  return <img class="qr" src={src} alt={label} width={220} height={220} />;
}
