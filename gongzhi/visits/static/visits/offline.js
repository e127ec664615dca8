// The visit form works without signal: the visit is kept in IndexedDB with its client id and
// uploaded when the network is back. The server treats a repeated client id as the same visit,
// so an upload retried after a lost answer changes nothing.
(function () {
  "use strict";
  var DB = "gongzhi-visits", STORE = "queue";

  function open() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "client_uuid" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function tx(mode, fn) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode), out = fn(t.objectStore(STORE));
        t.oncomplete = function () { resolve(out && out.result !== undefined ? out.result : out); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
      var r = (Math.random() * 16) | 0; return (c === "x" ? r : (r & 3) | 8).toString(16);
    });
  }
  function csrf() {
    var el = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (el) return el.value;
    var m = document.cookie.match(/csrftoken=([^;]+)/); return m ? m[1] : "";
  }
  function status(text) {
    var el = document.getElementById("offline-status");
    if (!el) return;
    el.hidden = !text; el.textContent = text || "";
  }
  function toForm(entry) {
    var fd = new FormData();
    Object.keys(entry.fields).forEach(function (k) { fd.append(k, entry.fields[k]); });
    (entry.photos || []).forEach(function (p) { fd.append("photos", p.blob, p.name); });
    return fd;
  }
  function send(url, entry) {
    return fetch(url, { method: "POST", body: toForm(entry), credentials: "same-origin", headers: { "X-CSRFToken": csrf() } });
  }
  var flushing = false;
  function flush() {
    if (flushing || !navigator.onLine) return Promise.resolve();
    flushing = true;
    return tx("readonly", function (s) { return s.getAll(); }).then(function (entries) {
      if (!entries.length) { status(""); return; }
      status("正在上传离线保存的走访（" + entries.length + "）…");
      return entries.reduce(function (p, entry) {
        return p.then(function () {
          return send(entry.url, entry).then(function (r) {
            // Uploaded (201), already there (200) or refused for good (4xx): out of the queue.
            if (r.status < 500) return tx("readwrite", function (s) { s.delete(entry.client_uuid); });
          }, function () { /* still offline: keep it */ });
        });
      }, Promise.resolve()).then(function () {
        return tx("readonly", function (s) { return s.count(); }).then(function (n) {
          status(n ? "还有 " + n + " 条走访待上传。" : "离线走访已全部上传。");
        });
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
  if (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (!form.client_uuid.value) form.client_uuid.value = uuid();
      position().then(function (c) {
        if (c) { form.latitude.value = c.latitude; form.longitude.value = c.longitude; }
        var fields = {}, photos = [];
        new FormData(form).forEach(function (v, k) {
          if (k === "photos") { if (v && v.size) photos.push({ blob: v, name: v.name }); } else if (k !== "csrfmiddlewaretoken") fields[k] = v;
        });
        fields.household = form.dataset.household;
        var entry = { client_uuid: fields.client_uuid, url: form.dataset.upload, fields: fields, photos: photos };
        send(entry.url, entry).then(function (r) {
          return r.json().then(function (body) {
            if (r.ok) { window.location.href = form.action.replace(/household\/\d+\/visit\/$/, ""); return; }
            alert(body.message || "提交失败");
          });
        }, function () {
          entry.fields.offline = "1";
          tx("readwrite", function (s) { s.put(entry); }).then(function () {
            document.getElementById("offline-note").hidden = false;
            form.reset(); form.client_uuid.value = "";
          });
        });
      });
    });
  }
  window.addEventListener("online", flush);
  document.addEventListener("DOMContentLoaded", flush);
  if (document.readyState !== "loading") flush();
})();
