/**
 * Renders a decoded receipt to a PNG the way an 80 mm thermal printer puts it
 * on paper: 576 dots wide, monospaced font A (and the narrower font B), text
 * magnification, and QR symbols drawn module by module from the data the
 * printer received (what a phone camera would scan).
 *
 * Font: DejaVu Sans Mono from Debian's fonts-dejavu-core (see
 * scripts/postinstall.mjs); it covers Latin, Cyrillic and Greek.
 */
import { existsSync } from 'node:fs';
import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
import QRCode from 'qrcode';
import type { DecodedReceipt, Span } from './EscPosDecoder';

export const PAPER_DOTS = 576;
const MARGIN = 12;
const FONT_FILES = { regular: '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf', bold: '/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf' };
let fontsLoaded = false;

function loadFonts(): string {
  if (!fontsLoaded) {
    for (const f of Object.values(FONT_FILES)) if (existsSync(f)) GlobalFonts.registerFromPath(f, 'ReceiptMono');
    fontsLoaded = true;
  }
  return GlobalFonts.has('ReceiptMono') ? 'ReceiptMono' : 'monospace';
}

export function receiptToPng(r: DecodedReceipt, lineWidth = 42): Buffer {
  const family = loadFonts();
  // Font A fills the paper at `lineWidth` columns; DejaVu Mono's advance is 0.602 em.
  const cellA = (PAPER_DOTS - 2 * MARGIN) / lineWidth;
  const sizeA = cellA / 0.602;
  const lineA = Math.round(sizeA * 1.35);
  const fontPx = (s: Span): number => (s.font === 'B' ? sizeA * 0.75 : sizeA);

  // Layout first, to know the height.
  const rows: { h: number; draw: (y: number) => void }[] = [];
  let ctxRef: import('@napi-rs/canvas').SKRSContext2D | null = null;
  for (const block of r.blocks) {
    if (block.type === 'qr') {
      const qr = QRCode.create(block.data, { errorCorrectionLevel: block.ecc });
      const n = qr.modules.size;
      const cell = Math.max(1, block.cellSize); // one module = cellSize dots = cellSize px
      const side = (n + 8) * cell; // 4-module quiet zone each side
      rows.push({
        h: side,
        draw: (y) => {
          const ctx = ctxRef!;
          const x0 = block.align === 'center' ? (PAPER_DOTS - side) / 2 : block.align === 'right' ? PAPER_DOTS - MARGIN - side : MARGIN;
          ctx.fillStyle = '#000';
          for (let row = 0; row < n; row++)
            for (let col = 0; col < n; col++) if (qr.modules.get(row, col)) ctx.fillRect(x0 + (col + 4) * cell, y + (row + 4) * cell, cell, cell);
        },
      });
      continue;
    }
    const h = Math.max(lineA, ...block.spans.map((s) => Math.round(fontPx(s) * 1.35 * s.height)));
    rows.push({
      h,
      draw: (y) => {
        const ctx = ctxRef!;
        const widths = block.spans.map((s) => [...s.text].length * (s.font === 'B' ? cellA * 0.75 : cellA) * s.width);
        const total = widths.reduce((a, b) => a + b, 0);
        let x = block.align === 'center' ? (PAPER_DOTS - total) / 2 : block.align === 'right' ? PAPER_DOTS - MARGIN - total : MARGIN;
        block.spans.forEach((s, k) => {
          const px = fontPx(s);
          const w = widths[k]!;
          ctx.save();
          ctx.translate(x, y + h - Math.round(px * 0.3 * s.height));
          ctx.scale(s.width, s.height);
          ctx.font = `${s.bold ? 'bold ' : ''}${px}px ${family}`;
          if (s.invert) {
            ctx.fillStyle = '#000';
            ctx.fillRect(0, -px, w / s.width, px * 1.25);
          }
          ctx.fillStyle = s.invert ? '#fff' : '#000';
          ctx.fillText(s.text, 0, 0);
          if (s.underline) ctx.fillRect(0, 2, w / s.width, 2);
          ctx.restore();
          x += w;
        });
      },
    });
  }
  const height = MARGIN * 2 + rows.reduce((a, row) => a + row.h, 0);
  const canvas = createCanvas(PAPER_DOTS, Math.max(height, 64));
  const ctx = canvas.getContext('2d');
  ctxRef = ctx;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, PAPER_DOTS, canvas.height);
  let y = MARGIN;
  for (const row of rows) {
    row.draw(y);
    y += row.h;
  }
  // Torn edge at the cut.
  ctx.fillStyle = '#999';
  for (let x = 0; x < PAPER_DOTS; x += 12) ctx.fillRect(x, canvas.height - 3, 6, 3);
  return canvas.toBuffer('image/png');
}
