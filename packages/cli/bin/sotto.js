#!/usr/bin/env node
// Entry point for the `sotto` command. The sources are TypeScript, run through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
