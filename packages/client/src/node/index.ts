export * from './sqlite-backend.js';
