// Entry point: mounts the app. Loaded as an external module script (the CSP forbids inline script).
import { render } from 'preact';
import { App } from './ui/app.js';
import './styles.css';

const root = document.getElementById('app');
if (root !== null) render(<App />, root);
