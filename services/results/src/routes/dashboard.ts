import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import express, { Router, type Response } from 'express';

/** Compiled browser code: dist/public (the same path from src/ and dist/). */
export const COMPILED_ASSETS_DIR = resolve(__dirname, '..', '..', 'dist', 'public');
/** HTML and CSS, served as written. */
export const STATIC_ASSETS_DIR = resolve(__dirname, '..', '..', 'public');

/** Everything the page loads comes from this service: nothing from a CDN or any other origin. */
const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function sendPage(res: Response): void {
  res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
  res.setHeader('cache-control', 'no-cache');
  res.sendFile(join(STATIC_ASSETS_DIR, 'index.html'));
}

/** `/` (experiment list) and `/experiments/:id` (one experiment): one page whose script renders either; `/assets/*`: its files. */
export function dashboardRouter(options: { compiledAssetsDir?: string } = {}): Router {
  const compiled = options.compiledAssetsDir ?? COMPILED_ASSETS_DIR;
  const router = Router();
  router.get('/', (_req, res) => sendPage(res));
  router.get('/experiments/:experimentId', (_req, res) => sendPage(res));
  // Browsers ask for /favicon.ico whatever the page links; an SVG answers it in every current browser.
  router.get('/favicon.ico', (_req, res) => {
    res.setHeader('cache-control', 'public, max-age=86400');
    res.type('image/svg+xml').sendFile(join(STATIC_ASSETS_DIR, 'favicon.svg'));
  });
  router.use('/assets', express.static(STATIC_ASSETS_DIR, { index: false, fallthrough: true }));
  router.use('/assets', express.static(compiled, { index: false }));
  return router;
}

/** Whether the build produced the dashboard's script (the service still serves the API without it). */
export function dashboardBuilt(compiledAssetsDir = COMPILED_ASSETS_DIR): boolean {
  return existsSync(join(compiledAssetsDir, 'app.js'));
}
