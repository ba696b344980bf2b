// The manager's inbox, live. New cards arrive over Server-Sent Events as rows rendered by the
// server (the same partial as the page's own rows) and go at the top of the list without a
// reload; a screen reader hears a short, polite announcement. A status change re-renders the
// card's row where it is. The browser's EventSource reconnects by itself and sends the id of the
// last event it got, so nothing is lost across a dropped connection.
// The count of unread cards (nobody has opened them) leads the page's title, "(3) Inbox — …", and
// shows on the installed app's icon where the browser can badge it; the stream sends it again
// whenever a card comes or is opened, whatever this page's filters list.
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

  // "(3) Inbox — Harbour Café", the badge on the app's icon, and the count beside the heading.
  const showUnread = (count) => {
    const title = document.title.replace(/^\(\d+\) /, "");
    document.title = count > 0 ? `(${count}) ${title}` : title;
    const shown = document.querySelector("[data-unread-count]");
    if (shown) {
      shown.hidden = count === 0;
      shown.querySelector("[data-unread-number]").textContent = String(count);
    }
    if ("setAppBadge" in navigator) {
      (count > 0 ? navigator.setAppBadge(count) : navigator.clearAppBadge()).catch(() => {});
    }
  };

  // The filters' panel folds away again with Escape, or a tap anywhere else.
  const foldAway = (details) => {
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && details.open) {
        details.open = false;
        details.querySelector("summary").focus();
      }
    });
    document.addEventListener("click", (event) => {
      if (details.open && !details.contains(event.target)) details.open = false;
    });
  };

  // An open inbox keeps its rows' ages true ("4 min" becomes "5 min"), written as the server
  // writes them (CLDR's short units); past a week a row shows its day, which does not change.
  const WEEK = 7 * 24 * 60;
  const UNITS = [
    ["day", 24 * 60],
    ["hour", 60],
    ["minute", 1],
  ];
  const refreshAges = () => {
    const lang = document.documentElement.lang || "en";
    for (const time of document.querySelectorAll("time.row-age")) {
      const minutes = Math.max(1, (Date.now() - Date.parse(time.dateTime)) / 60000);
      if (!(minutes < WEEK)) continue;
      const [unit, size] = UNITS.find(([, length]) => minutes >= length);
      try {
        time.textContent = new Intl.NumberFormat(lang, {
          style: "unit",
          unit,
          unitDisplay: "short",
          numberingSystem: "latn",
        }).format(Math.round(minutes / size));
      } catch {
        return; // a language the browser cannot write: the server's words stay
      }
    }
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
    // A card or status message carries the count when it may have changed; "unread" alone comes
    // when the change was to cards this page's filters leave out.
    const count = (message) => {
      if (typeof message.unread === "number") showUnread(message.unread);
    };
    source.addEventListener("unread", (event) => count(JSON.parse(event.data)));
    source.addEventListener("card", (event) => {
      const message = JSON.parse(event.data);
      count(message);
      const { card_id: cardId, html } = message;
      // The page may already list it: it was stored while the page was being rendered.
      if (document.getElementById(`card-${cardId}`)) return;
      const row = parse(html);
      row.classList.add("arrived");
      list.prepend(row);
      document.querySelector(".empty")?.remove();
      if (announcer) {
        // What a screen reader hears of the row's first line (not the age shown for the eye).
        const meta = row.querySelector(".row-meta")?.cloneNode(true);
        meta?.querySelectorAll("[aria-hidden=true]").forEach((hidden) => hidden.remove());
        const words = meta?.textContent.replace(/\s+/g, " ").trim();
        announcer.textContent = `${list.dataset.announce}: ${words}`;
      }
    });
    source.addEventListener("status", (event) => {
      const message = JSON.parse(event.data);
      count(message);
      const { card_id: cardId, html } = message;
      const shown = document.getElementById(`card-${cardId}`);
      if (!shown) return;
      const row = parse(html);
      // A row ticked for a bulk action stays ticked when someone else changes its card.
      const ticked = shown.querySelector(".row-select input")?.checked;
      const tick = row.querySelector(".row-select input");
      if (ticked && tick) tick.checked = true;
      shown.replaceWith(row);
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

  const inbox = document.querySelector(".card-list[data-unread]");
  if (inbox) {
    showUnread(Number(inbox.dataset.unread) || 0);
    window.setInterval(refreshAges, 60_000);
  }
  const filters = document.querySelector("details.more-filters");
  if (filters) foldAway(filters);
  const list = document.querySelector(".card-list[data-stream]");
  if (list && "EventSource" in window) liveInbox(list);
  const seen = document.querySelector("form[data-mark-seen]");
  if (seen) markSeen(seen).catch(() => {});
})();
