/**
 * QR rendering of addresses (and safety-number codes), isomorphic, via `uqr` (pure JS, no canvas).
 * ECC level M: survives a smudged screen or a slightly off-angle phone camera.
 */
import { encode, renderSVG } from 'uqr';

export interface QrMatrix {
  /** Modules per side, border included. */
  size: number;
  /** rows × columns; true = dark module. */
  modules: boolean[][];
}

const BORDER = 2;

/** The module matrix for `text` (with a quiet-zone border of 2 modules). */
export function qrMatrix(text: string): QrMatrix {
  const r = encode(text, { ecc: 'M', border: BORDER });
  return { size: r.size, modules: r.data };
}

/**
 * Terminal rendering: two module rows per text line with Unicode half blocks (▀ ▄ █ and space),
 * drawn dark-on-light so phone cameras read it in both light and dark terminals' usual colours
 * (a light module is a block, a dark module is a space).
 */
export function qrTerminal(text: string): string {
  const { size, modules } = qrMatrix(text);
  const light = (y: number, x: number): boolean => y >= size || !(modules[y]?.[x] ?? false);
  const lines: string[] = [];
  for (let y = 0; y < size; y += 2) {
    let line = '';
    for (let x = 0; x < size; x++) {
      const top = light(y, x);
      const bottom = light(y + 1, x);
      line += top && bottom ? '█' : top ? '▀' : bottom ? '▄' : ' ';
    }
    lines.push(line);
  }
  return lines.join('\n');
}

/** A standalone SVG document string (black on white). */
export function qrSvg(text: string): string {
  return renderSVG(text, {
    ecc: 'M',
    border: BORDER,
    pixelSize: 8,
    whiteColor: '#ffffff',
    blackColor: '#000000',
  });
}
