// The visit diary works without signal.
// - The service worker (sw.js, scope /visits/) keeps the diary pages, so that they open offline;
//   this script registers it and tells it which pages to keep ahead: today's plan's households.
// - A visit recorded offline is kept in IndexedDB with its client id and the moment it was
//   captured (captured_at: the server judges a late upload from then, for a bounded number of
//   days), and uploaded when the network is back. The server treats a repeated client id as the
//   same visit, so an upload retried after a lost answer changes nothing. Only an answer of the server about the visit takes it out of
//   the queue: accepted (201/200), or refused for good (a 4xx with the reason, kept in a list of
//   refused visits shown to the worker). A log-in page, a CSRF failure, a 5xx or no network: kept.
(function () {
  "use strict";
  var DB = "gongzhi-visits", STORE = "queue", REFUSED = "refused";
  var script = document.currentScript;
  var conf = script ? script.dataset : {};
  var me = conf.user || "";
  // The page's words (translated by the template): data-msg-pending, data-msg-refused…
  function msg(name) { return conf["msg" + name.charAt(0).toUpperCase() + name.slice(1)] || ""; }

  function open() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB, 2);
      req.onupgradeneeded = function () {
        var db = req.result;
        if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: "client_uuid" });
        if (!db.objectStoreNames.contains(REFUSED)) db.createObjectStore(REFUSED, { keyPath: "client_uuid" });
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function tx(stores, mode, fn) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(stores, mode), out = fn(t);
        t.oncomplete = function () { resolve(out && out.result !== undefined ? out.result : out); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  function all(store) {
    return tx([store], "readonly", function (t) { return t.objectStore(store).getAll(); });
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
      var r = (Math.random() * 16) | 0; return (c === "x" ? r : (r & 3) | 8).toString(16);
    });
  }
  function csrf() {
    // The cookie first: a page kept by the service worker may carry an older form token.
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (m) return m[1];
    var el = document.querySelector("input[name=csrfmiddlewaretoken]");
    return el ? el.value : "";
  }
  function localNow() {
    var d = new Date(), p = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + "T" + p(d.getHours()) + ":" + p(d.getMinutes());
  }

  function show(pending, refused, note) {
    var el = document.getElementById("offline-status");
    if (!el) return;
    el.textContent = "";
    var lines = [];
    if (note) lines.push(note);
    if (pending) lines.push(msg("pending").replace("{n}", pending));
    lines.forEach(function (t) { var p = document.createElement("p"); p.textContent = t; el.appendChild(p); });
    if (refused.length) {
      var p = document.createElement("p");
      p.textContent = msg("refused");
      el.appendChild(p);
      var ul = document.createElement("ul");
      refused.forEach(function (r) {
        var li = document.createElement("li");
        li.textContent = (r.fields.visited_at || "").replace("T", " ") + " · " + (r.label || "") + " · " + r.reason;
        ul.appendChild(li);
      });
      el.appendChild(ul);
    }
    el.hidden = !el.childNodes.length;
  }
  function refresh(note) {
    return Promise.all([all(STORE), all(REFUSED)]).then(function (r) {
      var mine = function (e) { return !e.user || e.user === me; };
      show(r[0].filter(mine).length, r[1].filter(mine), note);
    });
  }

  function toForm(entry) {
    var fd = new FormData();
    Object.keys(entry.fields).forEach(function (k) { fd.append(k, entry.fields[k]); });
    (entry.photos || []).forEach(function (p) { fd.append("photos", p.blob, p.name); });
    return fd;
  }
  function send(url, entry) {
    return fetch(url, {
      method: "POST", body: toForm(entry), credentials: "same-origin", redirect: "manual",
      headers: { "X-CSRFToken": csrf(), "Accept": "application/json" }
    });
  }
  function jsonOf(r) {
    var type = r.headers.get("content-type") || "";
    return type.indexOf("application/json") === 0 ? r.json() : Promise.resolve(null);
  }
  var flushing = false;
  function flush() {
    if (!navigator.onLine) return refresh(msg("offline"));
    if (flushing) return refresh();
    flushing = true;
    return all(STORE).then(function (entries) {
      entries = entries.filter(function (e) { return !e.user || e.user === me; });
      return entries.reduce(function (p, entry) {
        return p.then(function () {
          return send(entry.url, entry).then(function (r) {
            return jsonOf(r).then(function (body) {
              if (!body) return; // the log-in page, a CSRF failure, a proxy's error page: try again later
              if (r.status === 200 || r.status === 201) {
                return tx([STORE], "readwrite", function (t) { t.objectStore(STORE).delete(entry.client_uuid); });
              }
              if (r.status >= 400 && r.status < 500 && body.code && body.code !== "csrf") {
                entry.reason = body.message || body.code;
                return tx([STORE, REFUSED], "readwrite", function (t) {
                  t.objectStore(STORE).delete(entry.client_uuid);
                  t.objectStore(REFUSED).put(entry);
                });
              }
            });
          }, function () { /* still offline: keep it */ });
        });
      }, Promise.resolve()).then(function () {
        return refresh(entries.length ? msg("uploaded") : "");
      });
    }).finally(function () { flushing = false; });
  }
  window.gongzhiVisitsFlush = flush;

  function position() {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) return resolve(null);
      navigator.geolocation.getCurrentPosition(function (p) { resolve(p.coords); }, function () { resolve(null); },
        { timeout: 4000, maximumAge: 60000 });
    });
  }

  var form = document.getElementById("visit-form");
  var when = form ? form.querySelector("[name=visited_at]") : null;
  if (when) {
    // A page kept on the phone was drawn earlier: the visit's time is now, unless the worker sets it.
    when.value = localNow();
    when.addEventListener("input", function () { when.dataset.touched = "1"; });
  }
  if (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      // The moment the phone captured the visit: a late upload is judged from here, not from when
      // the network came back (the server accepts it for a bounded number of days).
      var captured = new Date().toISOString();
      if (!form.client_uuid.value) form.client_uuid.value = uuid();
      if (when && !when.dataset.touched) when.value = localNow();
      position().then(function (c) {
        if (c) { form.latitude.value = c.latitude; form.longitude.value = c.longitude; }
        var fields = {}, photos = [];
        new FormData(form).forEach(function (v, k) {
          if (k === "photos") { if (v && v.size) photos.push({ blob: v, name: v.name }); } else if (k !== "csrfmiddlewaretoken") fields[k] = v;
        });
        fields.household = form.dataset.household;
        var entry = {
          client_uuid: fields.client_uuid, url: form.dataset.upload, fields: fields, photos: photos,
          user: me, label: form.dataset.label || ""
        };
        var queue = function () {
          entry.fields.offline = "1";
          entry.fields.captured_at = captured;
          return tx([STORE], "readwrite", function (t) { t.objectStore(STORE).put(entry); }).then(function () {
            document.getElementById("offline-note").hidden = false;
            form.reset(); form.client_uuid.value = "";
            if (when) { when.value = localNow(); delete when.dataset.touched; }
            return refresh();
          });
        };
        if (!navigator.onLine) return queue();
        send(entry.url, entry).then(function (r) {
          return jsonOf(r).then(function (body) {
            if (r.ok && body) { window.location.href = form.dataset.done; return; }
            if (!body) return queue(); // logged out meanwhile, or a gateway's page: keep it
            alert(body.message || msg("failed"));
          });
        }, queue);
      });
    });
  }

  // Logging out on this phone: the pages kept for this worker go (the queue stays until uploaded).
  document.querySelectorAll("form[data-logout], form[action$='/accounts/logout/']").forEach(function (f) {
    f.addEventListener("submit", function () {
      if (navigator.serviceWorker && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage({ type: "forget" });
      }
    });
  });

  if (!navigator.onLine) {
    // Drawn from the phone's copy: the messages of that moment are not news now.
    document.querySelectorAll("ul.messages").forEach(function (m) { m.hidden = true; });
  }

  function warm(reg) {
    var target = reg.active || navigator.serviceWorker.controller;
    if (!target || !navigator.onLine) return;
    var pages = [location.href.split("#")[0]];
    document.querySelectorAll("a[data-offline]").forEach(function (a) { pages.push(a.href); });
    var assets = [];
    document.querySelectorAll("link[rel=stylesheet][href], script[src]").forEach(function (el) {
      assets.push(el.href || el.src);
    });
    target.postMessage({ type: "warm", user: me, pages: pages, assets: assets });
  }
  if ("serviceWorker" in navigator && conf.sw) {
    navigator.serviceWorker.register(conf.sw, { scope: conf.scope }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(warm, function () { /* no service worker (private mode…): the queue still works */ });
  }

  window.addEventListener("online", flush);
  window.addEventListener("offline", function () { refresh(msg("offline")); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", flush); else flush();
})();
