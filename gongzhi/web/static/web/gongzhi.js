// Behaviour the pages share, kept out of the HTML so that the Content-Security-Policy can
// forbid inline scripts: a <select data-autosubmit> submits its form when changed.
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el && el.matches && el.matches("select[data-autosubmit]") && el.form) {
    el.form.submit();
  }
});
