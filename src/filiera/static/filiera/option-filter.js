/* Narrow a long multi-select (the concepts) as one types; chosen options always stay in view. */
document.querySelectorAll("input[data-filter-for]").forEach(function (box) {
  var select = document.getElementById(box.dataset.filterFor);
  if (!select) { return; }
  box.hidden = false;
  box.addEventListener("input", function () {
    var needle = box.value.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
    select.querySelectorAll("optgroup").forEach(function (group) {
      var shown = 0;
      group.querySelectorAll("option").forEach(function (option) {
        var text = option.text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
        option.hidden = needle !== "" && !option.selected && text.indexOf(needle) === -1;
        if (!option.hidden) { shown += 1; }
      });
      group.hidden = shown === 0;
    });
  });
});
