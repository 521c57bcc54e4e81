export * from './harness.js';
export * from './bytes-scan.js';
export * from './backend-suite.js';
export * from './encrypted-suite.js';
