export * from './client-store/index.js';
