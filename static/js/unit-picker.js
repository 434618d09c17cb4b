// Grouped, collapsed unit checkboxes (meetings/forms.py GroupedUnitsWidget): keep the summary
// saying what is chosen, so a closed picker still tells the office its choice.
// Plain script from static/ (the CSP forbids inline scripts; no CDN).
(function () {
  function update(picker) {
    var chosen = Array.prototype.filter
      .call(picker.querySelectorAll("input[type=checkbox]"), function (box) { return box.checked; })
      .map(function (box) { return picker.querySelector("label[for='" + box.id + "']").textContent; });
    var summary = picker.querySelector(".unit-chosen");
    summary.textContent = chosen.length
      ? "已选 " + chosen.length + "：" + chosen.join("、")
      : summary.getAttribute("data-none");
  }
  // Choosing "只分送部分成员单位" shows the units and the reason; "各成员单位" hides them.
  function toggleNarrowing() {
    var part = document.querySelector("input[name=distribute][value=part]");
    var block = document.getElementById("narrowing");
    if (part && block) { block.hidden = !part.checked; }
  }
  document.addEventListener("change", function (event) {
    var picker = event.target.closest && event.target.closest(".unit-picker");
    if (picker) { update(picker); }
    if (event.target.name === "distribute") { toggleNarrowing(); }
  });
  document.addEventListener("DOMContentLoaded", toggleNarrowing);
})();
