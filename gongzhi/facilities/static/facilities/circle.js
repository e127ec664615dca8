/* The service-circle map: the platform's layer (facilities/map.js) with the circle drawn on it —
   buildings (blue), those with no facility of the kind within 500 m (red), each facility's 500 m
   range (green); a click fills the "what if" form with the point. Data: #circle-data (JSON). */
(function () {
  "use strict";
  var node = document.getElementById("circle-data");
  var el = document.getElementById("circle-map");
  if (!node || !el || !window.L || !window.gzMap) return;
  var data = JSON.parse(node.textContent);
  var map = L.map(el, {preferCanvas: true});
  gzMap.tiles(map, gzMap.config());
  var group = gzMap.vector(map, {
    estates: data.estates,
    buildings: data.buildings,
    facilities: data.facilities.map(function (f) { return {name: f.name, lat: f.latitude, lng: f.longitude}; })
  });
  data.uncovered.forEach(function (b) {
    L.circleMarker([b.lat, b.lng], {radius: 4, color: "#b5121b", weight: 2}).addTo(group);
  });
  data.facilities.forEach(function (f) {
    L.circle([f.latitude, f.longitude], {radius: data.radius, color: "#1a7f37", weight: 1, fillOpacity: 0.08}).addTo(group);
  });
  if (group.getLayers().length) map.fitBounds(group.getBounds()); else map.setView([26.08, 119.296], 14);
  map.on("click", function (e) {
    var f = document.getElementById("what-if");
    f.lat.value = e.latlng.lat.toFixed(6);
    f.lng.value = e.latlng.lng.toFixed(6);
  });
})();
