// The inbox's service worker (scope /inbox): it shows the alerts the server pushes to this device,
// even with the inbox closed, and a tap on one opens the card. It does not touch the inbox's
// requests: the inbox is live and always comes from the network.
// A message is JSON: {"title", "body", "url", "tag"}, and for a card "unread", how many cards the
// manager has unread: the number on the installed app's icon, as the open inbox keeps it.
// Each message is encrypted to this browser (RFC 8291).
"use strict";

const ICON = "/static/icons/inbox-192.png";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch {
    message = { body: event.data.text() };
  }
  const shown = self.registration.showNotification(message.title || "Tellus", {
    body: message.body || "",
    tag: message.tag,
    icon: ICON,
    data: { url: message.url || "/inbox" },
  });
  event.waitUntil(Promise.all([shown, badge(message.unread)]));
});

// The unread count on the app's icon, where the browser can badge it; 0 takes the badge off.
function badge(unread) {
  if (!Number.isInteger(unread) || !("setAppBadge" in self.navigator)) return Promise.resolve();
  const set = unread > 0 ? self.navigator.setAppBadge(unread) : self.navigator.clearAppBadge();
  return set.catch(() => {});
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL(event.notification.data?.url || "/inbox", self.location.origin);
  // Only this site's own pages: a message cannot send the manager elsewhere.
  if (target.origin !== self.location.origin) return;
  event.waitUntil(openCard(target.href));
});

// Focus the tab already showing the card; else take over an inbox tab; else open a window.
async function openCard(url) {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const showing = windows.find((client) => client.url === url);
  if (showing) return showing.focus();
  const inbox = windows.find((client) => new URL(client.url).pathname.startsWith("/inbox"));
  if (inbox) {
    try {
      const moved = await inbox.navigate(url);
      if (moved) return moved.focus();
    } catch {
      // A tab this worker does not control cannot be navigated: open a window instead.
    }
  }
  return self.clients.openWindow(url);
}
