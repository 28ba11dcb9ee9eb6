// Shared by the examples: TENSORGRAD_EXAMPLE_FAST=1 (set by tests/examples.test.ts) cuts training short,
// so the whole set runs in seconds; without it each example runs the book's full settings.
export const fast = process.env.TENSORGRAD_EXAMPLE_FAST === '1';

/** The number of epochs to run: the book's `full`, or `quick` under TENSORGRAD_EXAMPLE_FAST=1. */
export function epochs(full: number, quick: number): number {
  return fast ? quick : full;
}

/** Throws (so the example exits non-zero) when what it shows does not hold. */
export function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`check failed: ${what}`);
}

/** Whether every |a[i] - b[i]| <= tol. */
export function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i] - b[i]) <= tol)) return false;
  return true;
}
