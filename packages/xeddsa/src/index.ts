export * from './errors.js';
export * from './xeddsa.js';
