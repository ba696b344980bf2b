// "Get alerts on this device": Web Push for the inbox. The button registers the inbox's service
// worker (/inbox/sw.js, scope /inbox), asks the browser's push service for a subscription bound to
// the server's VAPID key (the browser asks the manager's permission), and POSTs it to the server
// with the session's CSRF token. The worker shows what the server pushes. Where the browser cannot
// do Web Push the panel stays hidden; the page is the same without it.
"use strict";

(() => {
  const panel = document.querySelector("[data-push]");
  const supported =
    "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  if (!panel || !supported) return;

  const state = panel.querySelector("[data-push-state]");
  const subscribeButton = panel.querySelector("[data-push-subscribe]");
  const testButton = panel.querySelector("[data-push-test]");
  const stopButton = panel.querySelector("[data-push-unsubscribe]");
  const { key, csrf, worker, scope } = panel.dataset;

  // The words come from the page, in its language: data-on-text, data-denied-text…
  const say = (which) => {
    state.textContent = panel.dataset[which];
  };
  const showOn = (on) => {
    subscribeButton.hidden = on;
    testButton.hidden = !on;
    stopButton.hidden = !on;
    say(on ? "onText" : "offText");
  };

  const post = (url, body) =>
    fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
      credentials: "same-origin",
      redirect: "manual",
    });

  const keyBytes = (base64url) => {
    const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4)), (c) =>
      c.charCodeAt(0),
    );
  };
  const sameKey = (buffer) => {
    if (!buffer) return false;
    const given = new Uint8Array(buffer);
    const ours = keyBytes(key);
    return given.length === ours.length && given.every((byte, index) => byte === ours[index]);
  };

  // pushManager.subscribe needs an active worker: wait for a new one to activate.
  const activated = (registration) =>
    new Promise((resolve, reject) => {
      const installing = registration.installing || registration.waiting;
      if (registration.active || !installing) return resolve(registration);
      installing.addEventListener("statechange", () => {
        if (installing.state === "activated") resolve(registration);
        if (installing.state === "redundant") reject(new Error("service worker not installed"));
      });
    });

  const send = async (subscription) => {
    const body = { ...subscription.toJSON(), language: document.documentElement.lang };
    const response = await post("/inbox/push/subscribe", body);
    if (!response.ok) throw new Error(`subscribe answered ${response.status}`);
  };

  const subscribe = async () => {
    subscribeButton.disabled = true;
    try {
      const registration = await activated(await navigator.serviceWorker.register(worker, { scope }));
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(key),
      });
      await send(subscription);
      showOn(true);
    } catch {
      say(Notification.permission === "denied" ? "deniedText" : "failedText");
    } finally {
      subscribeButton.disabled = false;
    }
  };

  const unsubscribe = async () => {
    const registration = await navigator.serviceWorker.getRegistration(scope);
    const subscription = await registration?.pushManager.getSubscription();
    if (subscription) {
      await post("/inbox/push/unsubscribe", { endpoint: subscription.endpoint });
      await subscription.unsubscribe();
    }
    showOn(false);
  };

  const sendTest = async () => {
    testButton.disabled = true;
    try {
      const response = await post("/inbox/push/test", {});
      const report = response.ok ? await response.json() : { sent: 0 };
      say(report.sent > 0 ? "sentText" : "notSentText");
    } catch {
      say("notSentText");
    } finally {
      testButton.disabled = false;
    }
  };

  // What this browser has already: a subscription made with our key is re-sent (the server may
  // have dropped it, or another manager signed in on this device); one made with an older key
  // can never be delivered to, so it is dropped.
  const start = async () => {
    const registration = await navigator.serviceWorker.getRegistration(scope);
    const subscription = await registration?.pushManager.getSubscription();
    if (subscription && !sameKey(subscription.options?.applicationServerKey)) {
      await subscription.unsubscribe();
    } else if (subscription && Notification.permission === "granted") {
      await send(subscription);
      return true;
    }
    return false;
  };

  subscribeButton.addEventListener("click", subscribe);
  stopButton.addEventListener("click", () => unsubscribe().catch(() => say("failedText")));
  testButton.addEventListener("click", sendTest);
  start()
    .catch(() => false)
    .then((on) => {
      showOn(on);
      if (Notification.permission === "denied") say("deniedText");
      panel.hidden = false;
    });
})();
