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
  // The note's line is kept from the start and only shown while the stream is open: appearing
  // later, it would push the links under it down as the customer reaches for one.
  note.dataset.liveNote = "off";
  note.hidden = false;
  const source = new EventSource(page.dataset.stream);
  source.addEventListener("open", () => {
    note.dataset.liveNote = "on";
  });
  source.addEventListener("error", () => {
    note.dataset.liveNote = "off";
  });
  source.addEventListener("state", (event) => {
    const template = document.createElement("template");
    template.innerHTML = JSON.parse(event.data).html;
    state.replaceChildren(template.content);
  });
  addEventListener("pagehide", () => source.close());
})();
