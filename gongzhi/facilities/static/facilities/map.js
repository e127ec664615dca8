/* The platform's one map layer (facilities app), used by the service-circle map and the demand
   form: 天地图 (Tianditu) tiles when the operator configured a key, and always the offline vector
   layers — estates, buildings and service facilities drawn from the register, no tiles needed.
   Coordinates are WGS-84 throughout: Tianditu's CGCS2000 agrees with it to centimetres, so no
   GCJ-02 shift is applied (points from consumer maps are converted before they are stored).
   Configuration: the JSON block #gz-map-config ({% gz_map_config %}). */
(function () {
  "use strict";

  function config() {
    var node = document.getElementById("gz-map-config");
    return node ? JSON.parse(node.textContent) : {};
  }

  function tiles(map, cfg) {
    if (!cfg.tianditu) return false;
    ["vec", "cva"].forEach(function (layer) {  // the vector map and its Chinese labels
      L.tileLayer("https://t{s}.tianditu.gov.cn/" + layer + "_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0" +
        "&LAYER=" + layer + "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}" +
        "&tk=" + encodeURIComponent(cfg.tianditu),
        {subdomains: "01234567", maxZoom: 18, attribution: "天地图"}).addTo(map);
    });
    return true;
  }

  /* data: {estates: [{name, lat, lng}], buildings: [{name, lat, lng, h}], facilities: [{name, kind, lat, lng}]} */
  function vector(map, data) {
    if (!map._loaded) {
      // Leaflet projects a circle's metres only on a map that has a view: start at the first point
      var first = (data.estates || []).concat(data.buildings || [], data.facilities || [])[0];
      map.setView(first ? [first.lat, first.lng] : [26.08, 119.296], 14);
    }
    var group = L.featureGroup().addTo(map);
    (data.estates || []).forEach(function (e) {
      L.circle([e.lat, e.lng], {radius: 60, color: "#6b7280", weight: 1, fillOpacity: 0.12})
        .bindTooltip(e.name, {permanent: !data.buildings, direction: "center", className: "gz-map-label"}).addTo(group);
    });
    (data.buildings || []).forEach(function (b) {
      L.circleMarker([b.lat, b.lng], {radius: 3, color: "#1f5fbf", weight: 1}).bindTooltip(b.name + (b.h ? " · " + b.h : "")).addTo(group);
    });
    (data.facilities || []).forEach(function (f) {
      L.circleMarker([f.lat, f.lng], {radius: 6, color: "#1a7f37", weight: 2, fillOpacity: 0.6}).bindTooltip(f.name).addTo(group);
    });
    return group;
  }

  /* The community's estates and facilities as vectors (replacing those drawn before on this map). */
  function places(map, community, cfg) {
    cfg = cfg || config();
    if (!community || !cfg.layer || !window.fetch) return Promise.resolve(null);
    return fetch(cfg.layer + "?community=" + encodeURIComponent(community), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {}; })
      .then(function (data) {
        if (map._gzPlaces) map.removeLayer(map._gzPlaces);
        var group = map._gzPlaces = vector(map, data);
        if (group.getLayers().length) map.fitBounds(group.getBounds().pad(0.2));
        return group;
      });
  }

  /* The base of a map: tiles if configured, and the community's places. */
  function base(map, community, cfg) {
    cfg = cfg || config();
    tiles(map, cfg);
    return places(map, community, cfg);
  }

  window.gzMap = {config: config, tiles: tiles, vector: vector, places: places, base: base};
})();
