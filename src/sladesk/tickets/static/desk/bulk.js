// The queue's bulk actions: the selection survives the 30 s refresh of the table, the form
// shows the field its action needs and how many tickets are selected.
(function () {
  "use strict";
  var form = document.getElementById("bulk-form");
  var queue = document.getElementById("queue");
  if (!form || !queue) return;
  var chosen = {};
  var count = document.getElementById("bulk-count");
  var op = document.getElementById("bulk-op");
  function boxes() { return queue.querySelectorAll("input[type=checkbox][name=tickets]"); }
  function say() {
    var n = Object.keys(chosen).length;
    count.textContent = n ? "(" + n + ")" : "";
    form.setAttribute("data-selected", String(n));
  }
  function reapply() {
    Array.prototype.forEach.call(boxes(), function (b) { b.checked = !!chosen[b.value]; });
  }
  queue.addEventListener("change", function (e) {
    var b = e.target;
    if (!b || b.name !== "tickets") return;
    if (b.checked) chosen[b.value] = true; else delete chosen[b.value];
    say();
  });
  if (window.MutationObserver) new MutationObserver(reapply).observe(queue, { childList: true });
  function follow() {
    form.querySelector(".bulk-assignee").hidden = op.value !== "assign";
    form.querySelector(".bulk-priority").hidden = op.value !== "priority";
  }
  op.addEventListener("change", follow);
  follow();
  document.documentElement.setAttribute("data-bulk", "ready"); // for the browser tests
  form.addEventListener("submit", function (e) {
    // Selected tickets that a refresh took off the page are still sent.
    Array.prototype.forEach.call(form.querySelectorAll("input[data-kept]"), function (i) { i.remove(); });
    var shown = {};
    Array.prototype.forEach.call(boxes(), function (b) { shown[b.value] = true; });
    Object.keys(chosen).forEach(function (code) {
      if (shown[code]) return;
      var i = document.createElement("input");
      i.type = "hidden"; i.name = "tickets"; i.value = code; i.setAttribute("data-kept", "1");
      form.appendChild(i);
    });
    if (!Object.keys(chosen).length && !queue.querySelector("input[name=tickets]:checked")) e.preventDefault();
  });
})();
