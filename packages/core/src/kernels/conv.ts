// im2col and col2im: the sliding-window copies that convolutions, pools, unfold and fold are built on.
import type { TypedArray } from '../dtype.js';

/**
 * The geometry of a 2-D sliding window over x [n, c, h, w] (1-D windows have h = kh = 1): kernel kh x kw,
 * stride sh, sw, zero padding ph, pw on each side, dilation dh, dw, and the oh x ow window positions it gives.
 */
export interface WindowGeometry {
  readonly n: number; readonly c: number; readonly h: number; readonly w: number;
  readonly kh: number; readonly kw: number;
  readonly sh: number; readonly sw: number;
  readonly ph: number; readonly pw: number;
  readonly dh: number; readonly dw: number;
  readonly oh: number; readonly ow: number;
}

/**
 * PyTorch's F.unfold: cols [n, c*kh*kw, oh*ow], row (ch*kh + i)*kw + j, column p*ow + q holds
 * x[b, ch, p*sh - ph + i*dh, q*sw - pw + j*dw], or 0 where that falls in the padding.
 */
export function im2col(x: TypedArray, g: WindowGeometry, cols: TypedArray): void {
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = g;
  const L = oh * ow;
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const plane = (b * c + ch) * h * w;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++, o += L) {
          let k = o;
          for (let p = 0; p < oh; p++) {
            const y = p * sh - ph + i * dh;
            if (y < 0 || y >= h) {
              for (let q = 0; q < ow; q++) cols[k++] = 0;
              continue;
            }
            const row = plane + y * w;
            for (let q = 0, xq = j * dw - pw; q < ow; q++, xq += sw) cols[k++] = xq >= 0 && xq < w ? x[row + xq] : 0;
          }
        }
      }
    }
  }
}

/** PyTorch's F.fold, im2col's adjoint: x [n, c, h, w] = the sum of every column entry at the position im2col read it from. */
export function col2im(cols: TypedArray, g: WindowGeometry, x: TypedArray): void {
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = g;
  const L = oh * ow;
  x.fill(0);
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const plane = (b * c + ch) * h * w;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++, o += L) {
          let k = o;
          for (let p = 0; p < oh; p++) {
            const y = p * sh - ph + i * dh;
            if (y < 0 || y >= h) {
              k += ow;
              continue;
            }
            const row = plane + y * w;
            for (let q = 0, xq = j * dw - pw; q < ow; q++, xq += sw, k++) if (xq >= 0 && xq < w) x[row + xq] += cols[k];
          }
        }
      }
    }
  }
}
