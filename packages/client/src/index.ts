export * from './storage/index.js';
export * from './state/index.js';
