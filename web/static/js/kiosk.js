// Kiosk mode (a tablet on the counter, api.customer.pages_kiosk): the card starts again a few
// seconds after each card is sent or saved, and after a minute nobody touched it, by opening the
// kiosk's page anew (a fresh form token and key; the service worker's copy while offline). Nothing
// of a customer stays: card.js keeps no follow-up links here, and the card's fields are never
// offered to the browser's autofill. Staff hold the top bar down to reach the way out, which is a
// manager's sign-in. Sending and the offline queue are card.js's, as on a phone.
"use strict";
(() => {
  const settings = document.querySelector('meta[name="tellus-kiosk"]')?.dataset;
  if (!settings) return;
  const RESET = Number(settings.resetSeconds) * 1000;
  const IDLE = Number(settings.idleSeconds) * 1000;
  const HOLD = 2000; // how long staff hold the top bar down
  let timer = null;
  let finished = false;
  let hold = null;

  function startAgain() {
    location.replace(settings.path);
  }

  // A card sent (the thank-you page) or kept to send later (the saved note): done with it.
  function cardDone() {
    if (document.querySelector("main.thanks")) return true;
    return [...document.querySelectorAll(".saved-note")].some((note) => !note.hidden);
  }

  function watch() {
    const done = cardDone();
    if (done && finished) return;
    finished = done;
    clearTimeout(timer);
    timer = setTimeout(startAgain, done ? RESET : IDLE);
  }

  function forget() {
    try {
      localStorage.removeItem("tellus-follow-ups");
      sessionStorage.clear();
    } catch {
      // No storage at all: nothing to forget.
    }
    for (const field of document.querySelectorAll("input, textarea, select, form")) {
      field.setAttribute("autocomplete", "off");
    }
  }

  function openStaffDialog() {
    const dialog = document.getElementById("kiosk-staff");
    if (dialog && !dialog.open) dialog.showModal();
  }

  for (const type of ["pointerdown", "keydown", "input"]) {
    addEventListener(type, () => finished || watch(), { capture: true, passive: true });
  }
  document.addEventListener("pointerdown", (event) => {
    if (!event.target.closest?.(".org-bar") || event.target.closest("details")) return;
    clearTimeout(hold);
    hold = setTimeout(openStaffDialog, HOLD);
  });
  for (const type of ["pointerup", "pointercancel"]) {
    document.addEventListener(type, () => clearTimeout(hold));
  }
  document.addEventListener("contextmenu", (event) => {
    if (event.target.closest?.(".org-bar")) event.preventDefault();
  });
  document.addEventListener("click", (event) => {
    if (event.target.closest?.("[data-kiosk-exit]") && document.fullscreenElement) {
      document.exitFullscreen().catch(() => {});
    }
  });
  // Full screen needs a tap; an installed kiosk (its manifest asks for it) is already.
  addEventListener(
    "pointerdown",
    () => {
      if (!document.fullscreenElement && document.fullscreenEnabled) {
        document.documentElement.requestFullscreen().catch(() => {});
      }
    },
    { once: true },
  );
  // card.js replaces the page's body with the server's answer, or shows a saved note.
  new MutationObserver(() => {
    forget();
    watch();
  }).observe(document.documentElement, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ["hidden"],
  });
  forget();
  watch();
})();
