// The grid worker's service worker (scope /visits/): the diary pages open in a basement without
// signal. Served by the visits:service_worker view (Service-Worker-Allowed: /visits/).
//
// - Pages under /visits/ (GET): network first; a good answer is kept, and offered when the
//   network is down. A redirect to the log-in page (logged out, session over) empties the kept
//   pages, so that nothing of a household stays on a phone after its worker has left.
// - Static files (/static/): from the cache first (their names change with their content in
//   production), fetched and kept otherwise.
// - Writes (POST) are never touched: offline.js queues visits in IndexedDB and uploads them.
// - The page tells the worker which pages to keep ahead (its plan's households) and who is
//   logged in; another user's pages are dropped.
"use strict";

var PAGES = "gz-visits-pages-v1";
var ASSETS = "gz-visits-assets-v1";
var META = "/visits/__offline_user__";
var FRESH_MS = 6 * 3600 * 1000; // a page kept less than six hours ago is not fetched again ahead
var MAX_WARM = 80;

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(
        names
          .filter(function (n) { return n.indexOf("gz-visits-") === 0 && n !== PAGES && n !== ASSETS; })
          .map(function (n) { return caches.delete(n); })
      );
    }).then(function () { return self.clients.claim(); })
  );
});

function isLogin(url) {
  return new URL(url).pathname.indexOf("/accounts/login") === 0;
}

function scoped(url) {
  var u = new URL(url);
  return u.origin === self.location.origin && u.pathname.indexOf("/visits/") === 0 &&
    u.pathname.indexOf("/visits/sw.js") !== 0 && u.pathname.indexOf("/export/") < 0;
}

function keepable(response) {
  var type = response.headers.get("content-type") || "";
  return response.ok && !response.redirected && response.type === "basic" && type.indexOf("text/html") === 0;
}

function stamp(response) {
  // The time the page was kept, so that the page (offline.js) can say how old it is.
  var headers = new Headers(response.headers);
  headers.set("X-Gongzhi-Kept-At", String(Date.now()));
  return response.blob().then(function (body) {
    return new Response(body, { status: response.status, statusText: response.statusText, headers: headers });
  });
}

function keep(request, response) {
  return stamp(response).then(function (copy) {
    return caches.open(PAGES).then(function (c) { return c.put(request, copy); });
  });
}

function forget() {
  return caches.delete(PAGES);
}

function page(event) {
  var request = event.request;
  return fetch(request).then(function (response) {
    // A page of /visits/ that redirects (navigations see an opaque redirect) goes to the log-in
    // page: the session is over.
    if (response.type === "opaqueredirect" || (response.redirected && isLogin(response.url))) {
      event.waitUntil(forget());
    } else if (keepable(response)) {
      event.waitUntil(keep(request, response.clone()));
    }
    return response;
  }, function () {
    return caches.open(PAGES).then(function (c) {
      return c.match(request, { ignoreVary: true });
    }).then(function (kept) {
      if (kept) {
        var headers = new Headers(kept.headers);
        headers.set("X-Gongzhi-Offline", "1");
        return kept.blob().then(function (body) {
          return new Response(body, { status: 200, headers: headers });
        });
      }
      return new Response(
        "<!doctype html><meta charset=utf-8><meta name=viewport content=\"width=device-width\">" +
          "<title>无网络</title><p>当前无网络，此页未在手机上保存。请回到“今日走访”。</p>" +
          "<p><a href=\"/visits/\">今日走访</a></p>",
        { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }
      );
    });
  });
}

function asset(request) {
  return caches.open(ASSETS).then(function (c) {
    return c.match(request).then(function (hit) {
      if (hit) return hit;
      return fetch(request).then(function (response) {
        if (response.ok && response.type === "basic") c.put(request, response.clone());
        return response;
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(asset(request));
  } else if (scoped(request.url) && (request.mode === "navigate" || request.destination === "document")) {
    event.respondWith(page(event));
  }
});

function warmPage(url) {
  return caches.open(PAGES).then(function (c) {
    return c.match(url, { ignoreVary: true }).then(function (hit) {
      var at = hit ? Number(hit.headers.get("X-Gongzhi-Kept-At") || 0) : 0;
      if (hit && Date.now() - at < FRESH_MS) return;
      return fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (response.redirected && isLogin(response.url)) return forget();
        if (keepable(response)) return keep(new Request(url), response);
      }, function () { /* offline: keep what there is */ });
    });
  });
}

function warmAsset(url) {
  return caches.open(ASSETS).then(function (c) {
    return c.match(url).then(function (hit) {
      if (hit) return;
      return fetch(url).then(function (response) {
        if (response.ok) return c.put(url, response);
      }, function () {});
    });
  });
}

function user(id) {
  // Pages kept for another account are dropped when a different worker logs in on the phone.
  return caches.open(ASSETS).then(function (c) {
    return c.match(META).then(function (hit) {
      return hit ? hit.text() : "";
    }).then(function (was) {
      if (was === String(id)) return;
      return forget().then(function () { return c.put(META, new Response(String(id))); });
    });
  });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  var done;
  if (data.type === "warm") {
    var pages = (data.pages || []).filter(scoped).slice(0, MAX_WARM);
    var assets = (data.assets || []).filter(function (u) { return new URL(u).pathname.indexOf("/static/") === 0; });
    done = user(data.user).then(function () {
      // One page after another: a plan of thirty households is not thirty requests at once.
      return pages.reduce(function (p, u) { return p.then(function () { return warmPage(u); }); }, Promise.resolve());
    }).then(function () {
      return Promise.all(assets.map(warmAsset));
    });
  } else if (data.type === "forget") {
    done = forget();
  }
  if (done) {
    event.waitUntil(done.then(function () {
      if (event.source) event.source.postMessage({ type: data.type + "-done" });
    }));
  }
});
