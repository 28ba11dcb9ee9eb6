// @tensorgrad/plot: SVG pictures of training, as strings (write them where you like).
export { decisionRegionsSvg, curvesSvg, niceTicks, yRangeOf, type Series, type Panel, type DecisionRegionsOptions } from './plot.js';
