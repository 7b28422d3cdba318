// Small progressive enhancements; every page works without them.
// Queue: select-all, select a person's items, a live count of selected items that disagree
// with their recommendation, keyboard (n/p move, x select, k/r/d decide, Enter open).
// Item: k/r/d choose a decision, n opens the next pending item, p goes back to the queue.
"use strict";
(function () {
  function picks() { return Array.prototype.slice.call(document.querySelectorAll("input.pick:not([disabled])")); }

  function describe() {
    var status = document.getElementById("selection-status");
    if (!status) { return; }
    var chosen = picks().filter(function (b) { return b.checked; });
    if (!chosen.length) { status.textContent = "No item selected."; return; }
    var recs = {};
    chosen.forEach(function (b) { recs[b.dataset.rec] = (recs[b.dataset.rec] || 0) + 1; });
    var n = chosen.length, revoke = recs.revoke || 0, keep = recs.keep || 0;
    var parts = [n + " selected (" + Object.keys(recs).sort().map(function (r) {
      return recs[r] + " recommended " + r; }).join(", ") + ")."];
    if (revoke) { parts.push("Keep would override " + revoke + " revoke recommendation" + (revoke > 1 ? "s" : "") + ": a justification is required."); }
    if (n - revoke) { parts.push("Revoke would override " + (n - revoke) + " other recommendation" + (n - revoke > 1 ? "s" : "") + "."); }
    var open = (recs.investigate || 0) + (recs.none || 0);
    if (open) { parts.push("Accept leaves " + open + " item" + (open > 1 ? "s" : "") + " recommended investigate or without a verdict pending for your own decision."); }
    if (keep && !revoke && !open) { parts.push("Accept records exactly the recommendations."); }
    status.textContent = parts.join(" ");
  }

  function queue() {
    var form = document.getElementById("queue-form");
    if (!form) { return; }
    var all = document.getElementById("select-all");
    if (all) {
      all.addEventListener("change", function () {
        picks().forEach(function (b) { b.checked = all.checked; });
        describe();
      });
    }
    document.querySelectorAll("input.pick-group").forEach(function (group) {
      group.addEventListener("change", function () {
        group.closest(".group").querySelectorAll("input.pick").forEach(function (b) { b.checked = group.checked; });
        describe();
      });
    });
    form.addEventListener("change", function (e) { if (e.target.classList.contains("pick")) { describe(); } });
    describe();
    var items = Array.prototype.slice.call(document.querySelectorAll("li.item"));
    var at = -1;
    function focus(i) {
      if (!items.length) { return; }
      at = Math.max(0, Math.min(items.length - 1, i));
      items.forEach(function (li) { li.classList.remove("current"); });
      var li = items[at];
      var details = li.closest("details");
      if (details) { details.open = true; }
      li.classList.add("current");
      li.querySelector("a.item-link").focus();
    }
    function decideCurrent(decision) {
      if (at < 0) { return; }
      var box = items[at].querySelector("input.pick");
      if (!box) { return; }
      picks().forEach(function (b) { b.checked = b === box; });
      describe();
      var why = document.getElementById("justification");
      if (decision === "keep" && box.dataset.rec === "revoke" && why && !why.value.trim()) {
        why.focus();
        document.getElementById("selection-status").textContent =
          "This item is recommended revoke: write a justification, then press Keep.";
        return;
      }
      var button = form.querySelector('button[name=decision][value="' + decision + '"]');
      if (button) { form.requestSubmit(button); }
    }
    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey) { return; }
      var tag = (e.target.tagName || "").toLowerCase();
      if (tag === "textarea" || tag === "select" || (tag === "input" && e.target.type !== "checkbox")) { return; }
      var key = e.key;
      if (key === "n" || key === "j") { focus(at + 1); e.preventDefault(); }
      else if (key === "p") { focus(at - 1); e.preventDefault(); }
      else if (key === "x" && at >= 0) {
        var box = items[at].querySelector("input.pick");
        if (box) { box.checked = !box.checked; describe(); }
        e.preventDefault();
      }
      else if (key === "k") { decideCurrent("keep"); e.preventDefault(); }
      else if (key === "r") { decideCurrent("revoke"); e.preventDefault(); }
      else if (key === "d") { decideCurrent("dont_know"); e.preventDefault(); }
    });
  }

  function item() {
    var form = document.getElementById("decide-form");
    var next = document.getElementById("next-link");
    var prev = document.getElementById("prev-link");
    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey) { return; }
      var tag = (e.target.tagName || "").toLowerCase();
      if (tag === "textarea" || tag === "select" || (tag === "input" && e.target.type !== "radio")) { return; }
      var pick = { k: "keep", r: "revoke", d: "dont_know" }[e.key];
      if (pick && form) {
        var radio = document.getElementById("decide-" + pick);
        radio.checked = true;
        radio.focus();
        var rec = document.getElementById("recommended").value;
        if (pick === "keep" && rec === "revoke") { document.getElementById("justification").focus(); }
        e.preventDefault();
      } else if (e.key === "n" && next) { location.href = next.href; e.preventDefault(); }
      else if (e.key === "p" && prev) { location.href = prev.href; e.preventDefault(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (document.getElementById("queue-form")) { queue(); }
    if (document.getElementById("item-status")) { item(); }
  });
})();
