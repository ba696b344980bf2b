// The manager's inbox, live. New cards arrive over Server-Sent Events as rows rendered by the
// server (the same partial as the page's own rows) and go at the top of the list without a
// reload; a screen reader hears a short, polite announcement. A status change re-renders the
// card's row where it is. The browser's EventSource reconnects by itself and sends the id of the
// last event it got, so nothing is lost across a dropped connection.
// Without this script the page still works: it shows the cards it was rendered with.
// On a card's own page, the script tells the server the card was opened (a POST: a GET never
// changes a card).
"use strict";

(() => {
  const parse = (html) => {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  };

  const liveInbox = (list) => {
    const state = document.querySelector("[data-live-state]");
    const announcer = document.querySelector("[data-live-announcer]");
    // The words come from the page, in its language: data-live-text, data-offline-text…
    const show = (which, offline) => {
      if (!state) return;
      state.textContent = state.dataset[which];
      state.classList.toggle("offline", offline);
      state.hidden = false;
    };

    const source = new EventSource(list.dataset.stream);
    source.addEventListener("ready", () => show("liveText", false));
    source.addEventListener("error", () => {
      // EventSource retries on its own; it gives up only on an answer that is not a stream.
      show(source.readyState === EventSource.CLOSED ? "stoppedText" : "offlineText", true);
    });
    source.addEventListener("signed-out", () => {
      source.close();
      show("signedOutText", true);
    });
    // The session moved to another organisation: this page shows the one it was opened for.
    source.addEventListener("stale", () => {
      source.close();
      show("stoppedText", true);
    });
    source.addEventListener("card", (event) => {
      const { card_id: cardId, html } = JSON.parse(event.data);
      // The page may already list it: it was stored while the page was being rendered.
      if (document.getElementById(`card-${cardId}`)) return;
      const row = parse(html);
      row.classList.add("arrived");
      list.prepend(row);
      document.querySelector(".empty")?.remove();
      if (announcer) {
        const meta = row.querySelector(".row-meta")?.textContent.replace(/\s+/g, " ").trim();
        announcer.textContent = `${list.dataset.announce}: ${meta}`;
      }
    });
    source.addEventListener("status", (event) => {
      const { card_id: cardId, html } = JSON.parse(event.data);
      document.getElementById(`card-${cardId}`)?.replaceWith(parse(html));
    });
    window.addEventListener("pagehide", () => source.close());
    // Back to a page kept in memory: its stream is closed and its rows may be old.
    window.addEventListener("pageshow", (event) => {
      if (event.persisted) window.location.reload();
    });
  };

  const markSeen = async (form) => {
    // redirect: "manual": the answer is a redirect back to this page, which is not needed.
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      redirect: "manual",
    });
    if (response.type !== "opaqueredirect" && !response.ok) return;
    const badge = document.querySelector(".detail-head .badge-new");
    if (badge) {
      badge.textContent = form.dataset.seenText;
      badge.classList.replace("badge-new", "badge-seen");
    }
    form.remove();
  };

  // A template fills its box at once: the reply's, or a compliment's note of thanks (without
  // JS its button reloads the page).
  for (const pick of document.querySelectorAll("select[data-reply-templates]")) {
    pick.form.querySelector("button").setAttribute("hidden", "");
    pick.addEventListener("change", () => {
      const box = document.getElementById(pick.dataset.target || "reply-body");
      box.value = pick.selectedOptions[0]?.dataset.body ?? box.value;
      box.focus();
    });
  }

  const list = document.querySelector(".card-list[data-stream]");
  if (list && "EventSource" in window) liveInbox(list);
  const seen = document.querySelector("form[data-mark-seen]");
  if (seen) markSeen(seen).catch(() => {});
})();
