// The card pages' service worker. It precaches their script and icons, opens a card page that was
// opened before when the network is gone, and sends the cards the page saved in IndexedDB while
// the network or the server was unreachable (Background Sync), waiting out a 429's Retry-After
// when the server asks to (up to a minute, within the sync's life). Sending a card twice is harmless:
// the server stores one card per idempotency key and answers a repeat with the same page.
"use strict";

// Filled in by the server: the fingerprinted URLs to precache (a changed asset makes a new
// worker), and for how many days a card form can be sent (TELLUS_CARD_TOKEN_DAYS).
const PRECACHE = /* PRECACHE */ [].map((path) => new URL(path, self.location).href);
const FORM_DAYS = /* CARD_TOKEN_DAYS */ 8;
// A copy is served only while a card written on it has half its form's life left to be sent.
const COPY_MAX_AGE = (FORM_DAYS / 2) * 24 * 3600 * 1000;
const ASSETS = "tellus-assets";
const PAGES = "tellus-pages";
const SYNC_TAG = "send-cards";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(ASSETS)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(ASSETS);
      for (const request of await cache.keys()) {
        if (!PRECACHE.includes(request.url)) await cache.delete(request);
      }
      // The page's request starts while the worker boots, so a controlled visit is not slower.
      if (self.registration.navigationPreload) await self.registration.navigationPreload.enable();
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(openPage(event));
  } else if (PRECACHE.includes(request.url)) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
});

// Network first; the copy kept from the last visit when the network or the server is down.
async function openPage(event) {
  const pages = await caches.open(PAGES);
  let response;
  try {
    response = (await event.preloadResponse) || (await fetch(event.request));
  } catch (error) {
    const copy = await offlineCopy(pages, event.request);
    if (copy) return copy;
    throw error;
  }
  if (response.status >= 500) return (await offlineCopy(pages, event.request)) || response;
  if (response.status === 200) {
    event.waitUntil(pages.put(event.request, response.clone()));
  } else if (response.status === 404 || response.status === 410) {
    event.waitUntil(pages.delete(event.request));
  }
  return response;
}

async function offlineCopy(pages, request) {
  const copy = await pages.match(request);
  if (!copy || Date.now() - Date.parse(copy.headers.get("date")) > COPY_MAX_AGE) return null;
  // Each card needs its own idempotency key: never the key of a card sent from this copy before.
  const html = (await copy.text()).replace(
    /(name="idempotency_key" value=")[^"]*/,
    `$1${crypto.randomUUID()}`,
  );
  const headers = new Headers(copy.headers);
  headers.delete("content-encoding");
  headers.delete("content-length");
  return new Response(html, { status: 200, headers });
}

self.addEventListener("sync", (event) => {
  if (event.tag === SYNC_TAG) event.waitUntil(sendSaved());
});

// Rejects while the server is unreachable, so that the browser tries the sync again later.
async function sendSaved() {
  const cards = await outbox("readonly", (store) => store.getAll());
  for (const card of cards) {
    if (card.refused) continue; // kept for a card page to show the customer
    const answer = await postPatiently(card);
    await settle(card, answer);
    const pages = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    for (const page of pages) page.postMessage({ type: "sent", key: card.key, html: answer.html });
  }
}

// A 429 says when to send again: wait that long, then once more; a longer wait (or a second
// 429) rejects, and the browser tries the sync again later.
async function postPatiently(card) {
  try {
    return await post(card);
  } catch (error) {
    if (!error.retryAfter || error.retryAfter > 60) throw error;
    await new Promise((resolve) => setTimeout(resolve, error.retryAfter * 1000));
    return post(card);
  }
}

// The same as in card.js, which saves the cards: a worker and a page share no code without
// another request.
async function post(card) {
  const response = await fetch(card.url, {
    method: "POST",
    body: new URLSearchParams(card.body),
    credentials: "same-origin",
  });
  // A 5xx is a server or proxy that is down: keep the card and try again later.
  if (response.status >= 500) throw new Error(`The server answered ${response.status}.`);
  // Too many cards from this network just now: keep the card and send it after Retry-After.
  if (response.status === 429) {
    const error = new Error("The server asked to wait.");
    const seconds = Number.parseInt(response.headers.get("Retry-After"), 10);
    error.retryAfter = Math.min(Math.max(Number.isNaN(seconds) ? 30 : seconds, 1), 600);
    throw error;
  }
  return { status: response.status, html: await response.text() };
}

// The same as in card.js: stored or its code gone, done; refused, kept with the server's answer.
async function settle(card, answer) {
  const done = answer.status < 400 || answer.status === 404 || answer.status === 410;
  if (done) return outbox("readwrite", (store) => store.delete(card.key));
  return outbox("readwrite", (store) => store.put({ ...card, refused: true, html: answer.html }));
}

function outbox(mode, use) {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open("tellus", 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore("outbox", { keyPath: "key" });
    opening.onerror = () => reject(opening.error);
    opening.onsuccess = () => {
      const db = opening.result;
      const transaction = db.transaction("outbox", mode);
      const request = use(transaction.objectStore("outbox"));
      transaction.oncomplete = () => {
        db.close();
        resolve(request.result);
      };
      transaction.onerror = transaction.onabort = () => {
        db.close();
        reject(transaction.error);
      };
    };
  });
}
