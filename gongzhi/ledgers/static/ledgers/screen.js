/* The big screen: draws the ranking of the areas and the trend of one figure with ECharts, and
   turns to the next figure every 15 s unless the viewer chose one. Data: #screen-data (JSON). */
(function () {
  "use strict";
  var node = document.getElementById("screen-data");
  if (!node || !window.echarts) return;
  var data = JSON.parse(node.textContent);
  var pick = document.getElementById("screen-figure");
  var rotate = document.getElementById("screen-rotate");
  var rankEl = document.getElementById("rank-chart");
  var trendEl = document.getElementById("trend-chart");
  var rank = rankEl ? echarts.init(rankEl, "dark", {renderer: "canvas"}) : null;
  var trend = trendEl ? echarts.init(trendEl, "dark", {renderer: "canvas"}) : null;
  var bg = "transparent";

  function scaled(f, v) {
    if (v === null || v === undefined) return null;
    return f.unit === "%" ? Math.round(v * 1000) / 10 : Math.round(v * 100) / 100;
  }

  function draw(i) {
    var f = data.figures[i];
    if (!f) return;
    document.querySelectorAll(".tile").forEach(function (t) {
      t.classList.toggle("current", Number(t.dataset.index) === i);
    });
    var unit = f.unit === "%" ? "%" : f.unit;
    if (rank && data.areas.length) {
      var rows = data.areas.map(function (a) { return {name: a.name, value: scaled(f, a.values[i]), below: a.below}; })
        .filter(function (r) { return r.value !== null; })
        .sort(function (a, b) { return a.value - b.value; });
      rank.setOption({
        backgroundColor: bg, animationDuration: 600,
        title: {text: f.label + (unit ? "（" + unit + "）" : ""), left: "center", textStyle: {fontSize: 15}},
        grid: {left: 120, right: 40, top: 40, bottom: 20},
        tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
        xAxis: {type: "value"},
        yAxis: {type: "category", data: rows.map(function (r) { return r.name; })},
        series: [{type: "bar", data: rows.map(function (r) {
          return {value: r.value, itemStyle: {color: r.below ? "#ff8a80" : "#4fd1ff"}};
        }), label: {show: true, position: "right"}}]
      }, true);
    }
    if (trend) {
      var points = data.trends[f.key] || [];
      trend.setOption({
        backgroundColor: bg,
        title: {text: points.length ? "" : "—", left: "center", top: "middle"},
        grid: {left: 50, right: 16, top: 20, bottom: 30},
        tooltip: {trigger: "axis"},
        xAxis: {type: "category", data: points.map(function (p) { return p[0]; })},
        yAxis: {type: "value"},
        series: [{type: "line", smooth: true, areaStyle: {opacity: 0.15},
          data: points.map(function (p) { return scaled(f, p[1]); })}]
      }, true);
    }
  }

  var current = 0;
  draw(current);
  if (pick) pick.addEventListener("change", function () {
    current = Number(pick.value);
    if (rotate) rotate.checked = false;
    draw(current);
  });
  setInterval(function () {
    if (!rotate || !rotate.checked || !data.figures.length) return;
    current = (current + 1) % data.figures.length;
    if (pick) pick.value = String(current);
    draw(current);
  }, 15000);
  var full = document.getElementById("screen-full");
  if (full) full.addEventListener("click", function () {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen();
  });
  window.addEventListener("resize", function () { if (rank) rank.resize(); if (trend) trend.resize(); });
})();
