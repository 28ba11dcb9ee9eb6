// The book's `nnfs.init()`: the settings under which its numbers were printed.
import { manualSeed, setDefaultDtype, setMatmulPrecision } from '@tensorgrad/core';

/**
 * What `nnfs.init()` does before every run of the book: seeds the global generator with 0, makes float32 the
 * default dtype, and sums float32 matmuls in float64 (precision 'highest': nnfs patches np.dot to compute in
 * float64 and round the result to float32). After it, `spiralData(100, 3)` and the book's training loops give
 * the book's numbers bit for bit. The library's own default is 'high' (float32 sums, as PyTorch and BLAS):
 * `setMatmulPrecision('high')` goes back to it.
 */
export function nnfsInit(): void {
  manualSeed(0);
  setDefaultDtype('float32');
  setMatmulPrecision('highest');
}
