// Behaviour the pages share, kept out of the HTML so that the Content-Security-Policy can
// forbid inline scripts: a <select data-autosubmit> submits its form when changed.
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el && el.matches && el.matches("select[data-autosubmit]") && el.form) {
    el.form.submit();
  }
});

// Phones show each table row as a card: every cell says which column it is (data-label).
// The script is deferred, so the tables are in the document when this runs.
document.querySelectorAll("table.data").forEach(function (t) {
  var heads = Array.prototype.map.call(t.querySelectorAll("thead th"), function (th) {
    return th.textContent.trim();
  });
  t.querySelectorAll("tbody tr").forEach(function (tr) {
    Array.prototype.forEach.call(tr.children, function (td, i) {
      if (!td.hasAttribute("data-label") && heads[i] && !td.hasAttribute("colspan")) {
        td.setAttribute("data-label", heads[i]);
      }
    });
  });
});

// The main menu's dropdowns: one open at a time, closed by a click elsewhere or Escape.
document.addEventListener("click", function (event) {
  document.querySelectorAll(".mainnav details.navgroup[open]").forEach(function (d) {
    if (!d.contains(event.target)) { d.removeAttribute("open"); }
  });
});
document.addEventListener("keydown", function (event) {
  if (event.key === "Escape") {
    document.querySelectorAll(".mainnav details.navgroup[open]").forEach(function (d) { d.removeAttribute("open"); });
  }
});
