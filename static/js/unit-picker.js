// Grouped, collapsed unit checkboxes (meetings/forms.py GroupedUnitsWidget): keep each group's
// summary saying what is chosen in it, so a closed group still tells the office its choice.
// Plain script from static/ (the CSP forbids inline scripts; no CDN).
(function () {
  function update(group) {
    var chosen = Array.prototype.filter
      .call(group.querySelectorAll("input[type=checkbox]"), function (box) { return box.checked; })
      .map(function (box) { return group.querySelector("label[for='" + box.id + "']").textContent; });
    var summary = group.querySelector(".unit-chosen");
    summary.textContent = chosen.length ? "已选 " + chosen.length + "：" + chosen.join("、") : "";
  }
  document.addEventListener("change", function (event) {
    var group = event.target.closest && event.target.closest(".unit-group");
    if (group) { update(group); }
  });
  // Choosing "只分送部分成员单位" shows the units and the reason; "各成员单位" hides them.
  function toggleNarrowing() {
    var part = document.querySelector("input[name=distribute][value=part]");
    var block = document.getElementById("narrowing");
    if (part && block) { block.hidden = !part.checked; }
  }
  document.addEventListener("change", function (event) {
    if (event.target.name === "distribute") { toggleNarrowing(); }
  });
  document.addEventListener("DOMContentLoaded", toggleNarrowing);
})();
