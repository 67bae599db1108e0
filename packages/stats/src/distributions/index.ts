export { normalCdf, normalSf, normalPdf, normalQuantile } from './normal';
export { studentTCdf, studentTSf, studentTPdf, studentTTwoSided, studentTQuantile } from './student-t';
export { chiSquareSf } from './chi-square';
export { regularizedGamma } from './incomplete-gamma';
export { regularizedBeta } from './incomplete-beta';
export { logGamma, logBeta } from './log-gamma';
