// Figures of memory signatures: Signature → SVG text, PNG bytes, or a self-contained HTML report. Pure functions:
// no file system, no DOM (docs/figures.md describes each figure).

export { DIVERGING_STOPS, divergingColor, GREEN_STOPS, type Palette, PURPLE_STOPS, sequentialColor } from './colors.js';
export { type CompareEntry, type CompareOptions, renderCompareSvg } from './compare.js';
export { type DiffOptions, renderDiffSvg } from './diff.js';
export { DEFAULT_PNG_SCALE, type PngOptions, renderPng } from './png.js';
export { type ReportEntry, type ReportOptions, renderReportHtml } from './report-html.js';
export {
  alignSignatures,
  confusionInformationBits,
  findLayer,
  type Metric,
  recallSignificance,
  symbolInformationBits,
} from './signature-data.js';
export { type FigureKind, renderSignatureSvg, type SignatureFigureOptions } from './signature-figure.js';
