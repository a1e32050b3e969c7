(function () {
  var form = document.getElementById("add-account");
  var org = document.getElementById("id_organization");
  if (org && form) org.addEventListener("change", function () {
    if (!org.value) return;
    // Reload the form for the new organization by POST, keeping the names and the address
    // typed so far (the view keeps only what does not depend on the organization).
    var action = document.createElement("input");
    action.type = "hidden"; action.name = "action"; action.value = "switch";
    form.appendChild(action);
    form.submit();
  });
  var social = document.getElementById("id_social_messaging");
  var restrict = document.getElementById("id_restrict_incoming_social_messaging");
  if (social && restrict) {
    var follow = function () {
      restrict.disabled = !social.checked;
      if (!social.checked) restrict.checked = false;
      restrict.closest(".field").classList.toggle("muted", !social.checked);
    };
    social.addEventListener("change", follow);
    follow();
  }
  var link = document.getElementById("assign-link");
  if (link) link.addEventListener("click", function (event) {
    event.preventDefault();
    document.getElementById("assign-number").classList.remove("hidden");
    link.classList.add("hidden");
    (document.getElementById("number-filter") || document.getElementById("id_assign")).focus();
  });
  // The number picker: typing digits (any format) or a tag name narrows the list.
  var filter = document.getElementById("number-filter");
  var select = document.getElementById("id_assign");
  var status = document.getElementById("number-filter-status");
  if (filter && select) {
    var digits = function (text) { return text.replace(/\D/g, ""); };
    filter.addEventListener("input", function () {
      var query = filter.value.trim().toLowerCase();
      var queryDigits = digits(query).replace(/^0+/, "");
      var shown = 0, first = null;
      Array.prototype.forEach.call(select.options, function (option) {
        if (!option.value) return;  // "none" stays
        var label = option.text.toLowerCase();
        var match = !query || label.indexOf(query) >= 0 ||
          (queryDigits.length > 0 && digits(label).indexOf(queryDigits) >= 0);
        option.hidden = !match;
        option.disabled = !match;
        if (match) { shown += 1; if (!first) first = option; }
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        group.hidden = !Array.prototype.some.call(group.children, function (o) { return !o.hidden; });
      });
      if (first && select.selectedOptions.length && select.selectedOptions[0].hidden) first.selected = true;
      // The words are the filter's data- attributes, translated by the template.
      var word = filter.getAttribute(shown === 1 ? "data-match-one" : "data-match-many");
      if (status) status.textContent = query ? word.replace("{count}", shown) : "";
    });
  }
})();
