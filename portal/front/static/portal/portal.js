// Behaviour shared by every portal page. Scripts live in static files only: the
// Content-Security-Policy allows no inline script and no inline event handler.
(function () {
  // <select data-autosubmit>: choosing an option submits its form (the organization switches).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
