/* The facility form's map pin: the community's offline layer (facilities/map.js) with a marker
   at the typed point; a click on the map moves the marker and fills latitude and longitude
   (WGS-84, as Tianditu draws). Typing in the fields moves the marker too. */
(function () {
  "use strict";
  var el = document.getElementById("pin-map");
  var form = document.getElementById("facility-form");
  if (!el || !form || !window.L || !window.gzMap) return;
  var map = L.map(el);
  var marker = null;
  function typed() {
    var lat = parseFloat(form.latitude.value), lng = parseFloat(form.longitude.value);
    return isFinite(lat) && isFinite(lng) && Math.abs(lat) <= 90 && Math.abs(lng) <= 180 ? [lat, lng] : null;
  }
  function place(pt) {
    if (!pt) return;
    if (marker) marker.setLatLng(pt); else marker = L.circleMarker(pt, {radius: 9, color: "#b5121b", weight: 3, fillOpacity: 0.5}).addTo(map);
  }
  var start = typed();
  map.setView(start || [26.08, 119.296], start ? 17 : 14);
  place(start);
  gzMap.base(map, el.getAttribute("data-community")).then(function (group) {
    if (start) map.setView(start, 17);
    else if (group && group.getLayers().length) map.fitBounds(group.getBounds().pad(0.2));
  });
  map.on("click", function (e) {
    form.latitude.value = e.latlng.lat.toFixed(6);
    form.longitude.value = e.latlng.lng.toFixed(6);
    place([e.latlng.lat, e.latlng.lng]);
  });
  ["latitude", "longitude"].forEach(function (name) {
    form[name].addEventListener("change", function () { place(typed()); });
  });
})();
