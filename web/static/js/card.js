// The card page's one script; without it the form posts as plain HTML. With it the card goes in
// one fetch with the same form body, and the answer (the thank-you page, or the form with what to
// fix) replaces the page. When the network or the server is unreachable, the card is kept in
// IndexedDB and sent again: by Background Sync in the service worker (/sw.js) where the browser
// has it, otherwise on the `online` event or the next page load. A 429 (too many cards from this
// network just now) keeps the card the same way and sends it again after the server's Retry-After.
// Sending a card twice is harmless: the server stores one card per idempotency key and answers a
// repeat with the same page. A card sent from the outbox carries `queued=1`: its customer may have
// left, so the server never asks it to confirm (api.protection.traps).
"use strict";
(() => {
  const SYNC_TAG = "send-cards";
  // On a kiosk (kiosk.js) the next customer must see nothing of this one: no earlier cards, and
  // a card the server refused stays in the outbox rather than on the next customer's screen.
  const KIOSK = document.querySelector('meta[name="tellus-kiosk"]') !== null;
  let savedKey = null; // the card this page says is saved
  let syncRegistered = false;
  let sending = null;

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    const method = event.submitter?.getAttribute("formmethod") || form.method;
    if (!form.matches("form.card-form") || method.toLowerCase() !== "post") return;
    event.preventDefault();
    if (form.dataset.sending) return;
    form.dataset.sending = "1";
    const card = {
      key: form.elements.idempotency_key.value,
      // A button's formAction falls back to the page's URL, not the form's action: ask for the attribute.
      url: event.submitter?.hasAttribute("formaction") ? event.submitter.formAction : form.action,
      body: new URLSearchParams(new FormData(form, event.submitter)).toString(),
      savedAt: Date.now(),
    };
    try {
      show((await post(card)).html);
    } catch (error) {
      await save(card, form, error.retryAfter);
    } finally {
      delete form.dataset.sending;
    }
  });

  // Kept in the outbox: sent again after `retryAfter` seconds (a 429), or when back online.
  async function save(card, form, retryAfter) {
    try {
      await outbox("readwrite", (store) => store.put({ ...card, body: `${card.body}&queued=1` }));
    } catch {
      form.submit(); // no IndexedDB (some private modes): let the browser try on its own
      return;
    }
    savedKey = card.key;
    form.hidden = true;
    const note = document.getElementById(retryAfter ? "card-waiting" : "card-saved");
    if (note) {
      note.hidden = false;
      note.focus();
    }
    if (retryAfter) {
      setTimeout(sendSaved, retryAfter * 1000);
      return;
    }
    try {
      const registration = await navigator.serviceWorker.getRegistration();
      await registration.sync.register(SYNC_TAG);
      syncRegistered = true;
    } catch {
      // No service worker or no Background Sync (Safari): `online` and the next load send it.
    }
  }

  // The server's page in place of this one. Its inline style is left out: it is this page's own
  // (card.css), and parsing it with another response's nonce would be a CSP violation.
  function show(html) {
    const page = html.replace(/<style[^>]*>[\s\S]*?<\/style>/g, "");
    const next = new DOMParser().parseFromString(page, "text/html");
    document.title = next.title;
    for (const name of ["lang", "dir"]) {
      const value = next.documentElement.getAttribute(name);
      if (value) document.documentElement.setAttribute(name, value);
    }
    document.body.replaceWith(next.body);
    window.scrollTo(0, 0);
    const heading = document.querySelector("h1");
    if (heading) {
      heading.tabIndex = -1;
      heading.focus();
    }
    followUps();
  }

  // A thank-you page's private follow-up link is kept on this device; the card page lists them.
  function followUps() {
    if (KIOSK) return;
    const KEY = "tellus-follow-ups";
    const link = document.querySelector("a[data-follow-up]");
    const nav = document.getElementById("earlier-cards");
    try {
      let kept = JSON.parse(localStorage.getItem(KEY) || "[]").filter(
        (item) => item.url.startsWith(`${location.origin}/f/`) && Date.now() - item.at < 90 * 864e5,
      );
      if (link) {
        kept = [{ url: link.href, org: link.dataset.org, at: Date.now() }]
          .concat(kept.filter((item) => item.url !== link.href))
          .slice(0, 5);
        localStorage.setItem(KEY, JSON.stringify(kept));
      }
      if (!nav || !kept.length) return;
      for (const card of kept) {
        const a = document.createElement("a");
        a.href = card.url;
        a.textContent = `${card.org} · ${new Date(card.at).toLocaleDateString(document.documentElement.lang)}`;
        const item = document.createElement("li");
        item.append(a);
        nav.querySelector("ul").append(item);
      }
      nav.hidden = false;
    } catch {
      // No storage (a private mode) or a damaged entry: the link on the page is still there.
    }
  }

  function sent(key, html) {
    if (key !== savedKey) return; // a card saved on an earlier visit: this page shows another
    savedKey = null;
    show(html);
    outbox("readwrite", (store) => store.delete(key)).catch(() => {});
  }

  function sendSaved() {
    sending ??= (async () => {
      const cards = await outbox("readonly", (store) => store.getAll());
      for (const card of cards) {
        if (card.refused) continue;
        const answer = await post(card); // throws while unreachable: the rest waits for next time
        await settle(card, answer, card.key === savedKey);
        sent(card.key, answer.html);
      }
      if (savedKey === null) await showRefused();
    })()
      .catch((error) => {
        // Asked to wait (a 429): try again when the server said; otherwise on the next chance.
        if (error.retryAfter) setTimeout(sendSaved, error.retryAfter * 1000);
      })
      .finally(() => {
        sending = null;
      });
    return sending;
  }

  // A card the server refused (a form open too long, something to fix) is kept with the server's
  // answer, which holds what the customer wrote, and shown on the next card page: never lost.
  async function showRefused() {
    const cards = await outbox("readonly", (store) => store.getAll());
    const refused = cards.find((card) => card.refused);
    if (KIOSK || !refused || !document.querySelector("form.card-form")) return;
    await outbox("readwrite", (store) => store.delete(refused.key));
    show(refused.html);
  }

  // The same as in sw.js: a page and its worker share no code without another request.
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

  // Stored, or its code is gone: done. Refused: kept, to show the customer (unless shown here).
  async function settle(card, answer, shownHere) {
    const done = answer.status < 400 || answer.status === 404 || answer.status === 410;
    if (done || shownHere) return outbox("readwrite", (store) => store.delete(card.key));
    return outbox("readwrite", (store) => store.put({ ...card, refused: true, html: answer.html }));
  }

  function outbox(mode, use) {
    return new Promise((resolve, reject) => {
      const opening = indexedDB.open("tellus", 1);
      opening.onupgradeneeded = () =>
        opening.result.createObjectStore("outbox", { keyPath: "key" });
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

  // The follow-up link's address, in its read-only field: one tap selects it all, to copy.
  document.addEventListener("focusin", (event) => {
    if (event.target.matches?.("input.follow-address")) event.target.select();
  });

  addEventListener("online", () => {
    if (!syncRegistered) sendSaved();
  });
  addEventListener("load", () => {
    followUps();
    sendSaved();
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data?.type === "sent") sent(event.data.key, event.data.html);
    });
    navigator.serviceWorker.startMessages();
    // "/c/" or "/C/" (printed codes use capitals): the card pages, and no manager page.
    const scope = location.pathname.slice(0, 3);
    navigator.serviceWorker.register("/sw.js", { scope }).catch(() => {});
  });
})();
