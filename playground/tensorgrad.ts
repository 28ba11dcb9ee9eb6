// The browser bundle's entry (npm run bundle -> out/bundle/tensorgrad.js): core, nn and optim in one ES module.
export * from '@tensorgrad/core';
export * from '@tensorgrad/nn';
export * from '@tensorgrad/optim';
// both core (its loss functions) and nn (its Loss classes) name the same union 'none' | 'mean' | 'sum'
export type { Reduction } from '@tensorgrad/core';
