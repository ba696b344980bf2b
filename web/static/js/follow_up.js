// The customer's follow-up page, live: each time something happens to the card (seen, a reply,
// resolved) the server sends its state as the page's own partial, which replaces the old one.
// EventSource reconnects by itself with the last event's id. Without this script the page shows
// the state it was rendered with; reloading it shows the latest.
"use strict";
(() => {
  const page = document.querySelector("[data-stream]");
  if (!page || !("EventSource" in window)) return;
  const state = document.getElementById("follow-state");
  const note = document.querySelector("[data-live-note]");
  const source = new EventSource(page.dataset.stream);
  source.addEventListener("open", () => {
    note.hidden = false;
  });
  source.addEventListener("error", () => {
    note.hidden = true;
  });
  source.addEventListener("state", (event) => {
    const template = document.createElement("template");
    template.innerHTML = JSON.parse(event.data).html;
    state.replaceChildren(template.content);
  });
  addEventListener("pagehide", () => source.close());
})();
