// citizen's service worker: the app works offline.
// - The app shell (index.html, the app's JavaScript and WebAssembly, styles)
//   is cached at install and served cache-first, refreshed in the background.
// - Model files (/models/NAME/versions/V/model.onnx) never change for a
//   version: cache-first, kept after the first use.
// - Other API reads (the model list, a model's entry) are network-first; when
//   the network fails the last copy is served, marked `x-citizen-cache:
//   offline` so the app can say it is offline. (A model file served from the
//   cache is marked `stored`: it says nothing about the network.)
// - Live state and identity (/whoami, /jobs, /datasets, /train, ...) go
//   straight to the network.
// Writes (POST, PUT, DELETE) are never cached or replayed.
// v2: v1 could hold API answers (/whoami, /datasets, /train) taken for the shell.
const SHELL = 'citizen-shell-v2';
const DATA = 'citizen-data-v1';

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL);
    const index = await fetch('./', { cache: 'reload' });
    if (!index.ok) throw new Error(`index.html: HTTP ${index.status}`);
    const html = await index.clone().text();
    await cache.put('./', index);
    const assets = [...html.matchAll(/(?:href|src)="([^"]+\.(?:js|wasm|css|svg|webmanifest))"/g)].map((m) => m[1]);
    await cache.addAll([...new Set(assets)]);
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key !== SHELL && key !== DATA) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

function marked(response, how) {
  const headers = new Headers(response.headers);
  headers.set('x-citizen-cache', how);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

function unreachable() {
  return new Response(JSON.stringify({ error: { code: 'offline', message: 'the server cannot be reached and nothing is saved for this request' } }), {
    status: 503, headers: { 'content-type': 'application/json', 'x-citizen-cache': 'offline' },
  });
}

async function modelFile(request) {
  const cache = await caches.open(DATA);
  const hit = await cache.match(request, { ignoreVary: true });
  if (hit) return marked(hit, 'stored');
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

async function networkFirst(request) {
  const cache = await caches.open(DATA);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (e) {
    const hit = await cache.match(request, { ignoreVary: true });
    return hit ? marked(hit, 'offline') : unreachable();
  }
}

async function shell(request, event) {
  const cache = await caches.open(SHELL);
  const key = request.mode === 'navigate' ? './' : request;
  const hit = await cache.match(key, { ignoreSearch: request.mode === 'navigate', ignoreVary: true });
  const refresh = fetch(request).then(async (response) => {
    if (response.ok && response.type === 'basic') await cache.put(key, response.clone());
    return response;
  });
  if (hit) {
    event.waitUntil(refresh.catch(() => {}));
    return hit;
  }
  return refresh;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  const sameOrigin = url.origin === self.location.origin;
  // Live state and identity always come from the server: batch jobs,
  // tokens, metrics, who the token is, and the studio's datasets and
  // training runs (polled while they run). Not cached, not answered here.
  if (/^\/(jobs|tokens|metrics|whoami|datasets|train|hooks)(\/|$)/.test(url.pathname)) return;
  const api = !sameOrigin || /^\/(models|v2|openapi\.json)(\/|$)/.test(url.pathname);
  if (/\/models\/[^/]+\/versions\/\d+\/model\.onnx$/.test(url.pathname)) {
    event.respondWith(modelFile(request));
  } else if (api) {
    event.respondWith(networkFirst(request));
  } else {
    event.respondWith(shell(request, event));
  }
});
