// Select-all for bulk decisions on the queue page; the page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var all = document.getElementById("select-all");
  if (!all) { return; }
  all.addEventListener("change", function () {
    document.querySelectorAll("input.pick:not([disabled])").forEach(function (box) {
      box.checked = all.checked;
    });
  });
});
