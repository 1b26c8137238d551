// Service worker of the field report page: the page, its scripts and the lists it reads
// load without signal once it has been opened with signal. Network first, so a change
// shows as soon as there is signal; the cache answers only when the network cannot.
// command/pages.py serves this file as /report-sw.js, after a first line that sets
// self.WATCHFLOOR_OFFLINE = {version, assets}.
const { version, assets } = self.WATCHFLOOR_OFFLINE;
const PREFIX = "watchfloor-report-";
const CACHE = `${PREFIX}${version}`;
const READ_APIS = ["/api/auth/me", "/api/units", "/api/incidents", "/api/deadlines/ruleset"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(assets))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  const stale = (key) => key.startsWith(PREFIX) && key !== CACHE;
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter(stale).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

function cacheable(url) {
  if (url.origin !== self.location.origin) return false;
  return url.pathname === "/report" || url.pathname.startsWith("/static/") || READ_APIS.includes(url.pathname);
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    // A redirect (to the sign-in page) is not the page that was asked for.
    if (response.ok && !response.redirected) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request);
    if (cached) return cached;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  if (event.request.method !== "GET" || !cacheable(new URL(event.request.url))) return;
  event.respondWith(networkFirst(event.request));
});
