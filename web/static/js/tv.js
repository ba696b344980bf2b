// The kudos TV screen: shows one compliment at a time, and asks for the list again every
// data-poll-ms. A newly approved compliment is shown at once. While the network or the server is
// down, the screen keeps what it shows; a 404 means the owner revoked this link, and the screen
// goes blank but for a line that says so.
"use strict";
(() => {
  const main = document.querySelector("[data-poll-url]");
  if (!main) return;
  const list = main.querySelector(".tv-list");
  const empty = main.querySelector(".kudos-empty");
  let index = 0;

  const items = () => [...list.children];

  function showAt(at) {
    const all = items();
    if (!all.length) return;
    index = ((at % all.length) + all.length) % all.length;
    all.forEach((item, n) => item.classList.toggle("current", n === index));
  }

  function build(html) {
    const page = new DOMParser().parseFromString(`<ul>${html}</ul>`, "text/html");
    return document.adoptNode(page.querySelector("li"));
  }

  function update(fresh) {
    const known = new Map(items().map((item) => [item.dataset.id, item]));
    const shownId = items()[index]?.dataset.id;
    const added = fresh.filter((kudos) => !known.has(String(kudos.id)));
    list.replaceChildren(...fresh.map((kudos) => known.get(String(kudos.id)) || build(kudos.html)));
    empty.hidden = fresh.length > 0;
    const next = added.length ? String(added[0].id) : shownId;
    showAt(Math.max(0, items().findIndex((item) => item.dataset.id === next)));
  }

  function gone() {
    const line = document.createElement("h1");
    line.textContent = main.dataset.gone;
    main.replaceChildren(line);
    main.classList.add("tv-gone");
    clearInterval(rotating);
    clearInterval(polling);
  }

  async function poll() {
    let response;
    try {
      response = await fetch(main.dataset.pollUrl, { cache: "no-store", credentials: "omit" });
    } catch {
      return; // offline: keep showing what is there
    }
    if (response.status === 404) return gone();
    if (!response.ok) return; // a server or proxy that is down: the same
    try {
      update((await response.json()).kudos);
    } catch {
      // A broken answer (a captive portal's page): keep what is there.
    }
  }

  const rotating = setInterval(() => showAt(index + 1), Number(main.dataset.rotateMs) || 12000);
  const polling = setInterval(poll, Number(main.dataset.pollMs) || 60000);
})();
