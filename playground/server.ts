// npm run playground: bundles (scripts/bundle.ts), then serves the playground on http://localhost:8080 (PORT to
// change it). A small node:http static server: playground/*.html|css from the sources, *.js from out/bundle/.
// Every response carries COOP/COEP, which make the page cross-origin isolated: SharedArrayBuffer, and so the
// wasm kernels' second thread (a Web Worker).
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { BUNDLE_DIR, bundle } from '../scripts/bundle.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const FILES: Record<string, [dir: string, type: string]> = {
  '/index.html': [here, 'text/html; charset=utf-8'],
  '/style.css': [here, 'text/css; charset=utf-8'],
  '/tensorgrad.js': [BUNDLE_DIR, 'text/javascript; charset=utf-8'],
  '/app.js': [BUNDLE_DIR, 'text/javascript; charset=utf-8'],
  '/worker.js': [BUNDLE_DIR, 'text/javascript; charset=utf-8'],
};

/**
 * Serves the playground on 127.0.0.1:port (0: any free port); resolves to the server and its URL. `isolated: false`
 * leaves out COOP/COEP (a page as most hosts serve it: no SharedArrayBuffer, so one thread).
 */
export function serve(port: number, { isolated = true } = {}): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const file = FILES[path === '/' ? '/index.html' : path];
    const headers = {
      ...(isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {}),
      'Cache-Control': 'no-store',
    };
    if (file === undefined) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    try {
      const body = await readFile(`${file[0]}/${path === '/' ? 'index.html' : path.slice(1)}`);
      res.writeHead(200, { ...headers, 'Content-Type': file[1] }).end(body);
    } catch {
      res.writeHead(500, { ...headers, 'Content-Type': 'text/plain' }).end('not built: run npm run bundle');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, url: `http://localhost:${typeof address === 'object' && address !== null ? address.port : port}/` });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await bundle();
  const { url } = await serve(Number(process.env.PORT ?? 8080));
  console.log(`tensorgrad playground: ${url}  (Ctrl-C to stop)`);
}
