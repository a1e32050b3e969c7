(function () {
  var org = document.getElementById("id_organization");
  var group = document.getElementById("id_permission_group");
  var link = document.getElementById("template-link");
  var help = document.getElementById("template-help");
  function sync() {
    var orgId = org.value;
    Array.prototype.forEach.call(group.options, function (o) {
      if (!o.value) return;
      var mine = o.dataset.org === orgId;
      o.hidden = !mine; o.disabled = !mine;
      if (!mine && o.selected) group.value = "";
    });
    if (orgId && !group.value) {
      var first = Array.prototype.find.call(group.options, function (o) { return o.value && !o.disabled && o.hasAttribute("data-default"); });
      if (first) group.value = first.value;
    }
    var slug = org.selectedOptions[0] && org.selectedOptions[0].dataset.slug;
    var g = group.selectedOptions[0] && group.selectedOptions[0].dataset.name;
    // The general template (every column) until an organization and a group are chosen below;
    // then the template of that organization, with its columns only.
    if (slug && g) {
      link.href = link.dataset.base + "?organization=" + encodeURIComponent(slug) + "&permission_group=" + encodeURIComponent(g);
      // The texts are the help's data- attributes, translated by the template.
      help.textContent = help.dataset.chosen.replace("{organization}", org.selectedOptions[0].textContent.trim())
        .replace("{group}", g);
    } else {
      link.href = link.dataset.base;
      help.textContent = help.dataset.general;
    }
  }
  org.addEventListener("change", sync); group.addEventListener("change", sync); sync();
})();
