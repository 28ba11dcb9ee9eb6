// The kernel interface: everything an op may call to compute values. A faster backend replaces these.
export * from './elementwise.js';
export * from './reduce.js';
export * from './matmul.js';
export * from './layout.js';
