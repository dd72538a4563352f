// The ticket page: the composer's two modes, the priority preview, who else is here (a poll),
// the draft kept as the agent types, Ctrl+Enter and the keys. Everything here improves
// a page that works without it (the modes are radio buttons that CSS follows; the preview is
// a GET form; the server refuses a public action posted in note mode).
(function () {
  "use strict";
  var composer = document.getElementById("composer");
  var text = document.getElementById("composer-text");

  // ---- public reply vs internal note ------------------------------------------------------
  function mode() {
    var note = document.getElementById("mode-note");
    return note && note.checked ? "note" : "public";
  }
  function followMode() {
    if (!composer || !text) return;
    var m = mode();
    composer.setAttribute("data-mode", m);
    composer.setAttribute("action", composer.getAttribute(m === "note" ? "data-note-url" : "data-reply-url"));
    text.setAttribute("placeholder", text.getAttribute(m === "note" ? "data-note-placeholder" : "data-public-placeholder"));
  }
  if (composer) {
    composer.addEventListener("change", function (e) {
      if (e.target && e.target.name === "mode") { followMode(); text.focus(); }
    });
    followMode();
  }

  // The main button of the mode shown: what Ctrl+Enter presses.
  function primaryButton() {
    if (!composer) return null;
    var box = composer.querySelector(mode() === "note" ? ".buttons.note-only" : ".buttons.public-only");
    return box ? (box.querySelector(".btn.primary") || box.querySelector("button")) : null;
  }
  window.sladeskComposer = { mode: mode, primaryButton: primaryButton, followMode: followMode };
  document.documentElement.setAttribute("data-ticket-js", "ready"); // for the browser tests

  // ---- priority: preview, then confirm ------------------------------------------------------
  var priorityForm = document.getElementById("priority-form");
  var previewBox = document.getElementById("priority-preview");
  function showPreview(value) {
    if (!priorityForm || !previewBox || !window.fetch) return false;
    var url = priorityForm.getAttribute("action") + "?priority=" + encodeURIComponent(value) + "&partial=1";
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        previewBox.innerHTML = html;
        var cancel = previewBox.querySelector("[data-cancel-preview]");
        if (cancel) cancel.addEventListener("click", function (e) { e.preventDefault(); previewBox.innerHTML = ""; });
      })
      .catch(function () { priorityForm.submit(); });
    return true;
  }
  if (priorityForm) {
    priorityForm.addEventListener("change", function (e) {
      if (e.target && e.target.name === "priority") showPreview(e.target.value);
    });
    priorityForm.addEventListener("submit", function (e) {
      var chosen = priorityForm.querySelector("input[name=priority]:checked");
      if (chosen && showPreview(chosen.value)) e.preventDefault();
    });
  }

  // ---- the draft: saved a moment after the agent stops typing, kept on the server ------------
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  function post(url, data, keepalive) {
    var body = new URLSearchParams(data);
    return fetch(url, {
      method: "POST", credentials: "same-origin", body: body, keepalive: !!keepalive,
      headers: { "X-CSRFToken": csrf ? csrf.value : "", "X-Requested-With": "fetch" }
    });
  }
  var draftState = document.getElementById("draft-state");
  var saved = text ? text.value : "";
  var sending = false;
  var lastKey = 0;
  var draftTimer = null;
  function saveDraft(keepalive) {
    if (!composer || !text || !window.fetch || text.value === saved) return Promise.resolve();
    var value = text.value;
    return post(composer.getAttribute("data-draft-url"), { text: value, mode: mode() }, keepalive)
      .then(function (r) {
        if (!r.ok) return;
        saved = value;
        if (draftState) draftState.textContent = draftState.getAttribute("data-saved") || "✓";
        composer.setAttribute("data-draft-saved", String(Date.now()));
      })
      .catch(function () { /* offline: the next keystroke tries again */ });
  }
  if (composer && text) {
    text.addEventListener("input", function () {
      lastKey = Date.now();
      if (draftState) draftState.textContent = "";
      clearTimeout(draftTimer);
      draftTimer = setTimeout(saveDraft, 800);
    });
    composer.addEventListener("change", function (e) { if (e.target && e.target.name === "mode") { saved = null; saveDraft(); } });
    // Any form of the page posted: the draft is on the server and comes back with the page.
    document.addEventListener("submit", function () { sending = true; saveDraft(true); });
    // Leaving with text not yet saved (or not sent) asks first.
    window.addEventListener("beforeunload", function (e) {
      if (sending || !text.value.trim()) return;
      if (text.value !== saved) saveDraft(true);
      e.preventDefault();
      e.returnValue = "";
    });
  }

  // ---- who else is here; the ticket changed under the page --------------------------------
  var together = document.getElementById("together");
  if (together && window.fetch) {
    var pollUrl = together.getAttribute("data-poll-url");
    var seconds = parseInt(together.getAttribute("data-poll-seconds"), 10) || 10;
    var seen = together.getAttribute("data-seen");
    var box = document.getElementById("presence");
    var notice = document.getElementById("changed-notice");
    var shown = "";
    var pollNow = function () {
      if (document.hidden) return Promise.resolve();
      var typing = lastKey && Date.now() - lastKey < seconds * 1000 ? "1" : "0";
      return post(pollUrl, { typing: typing, seen: seen })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) return;
          var html = data.others.map(function (o) {
            return '<span class="who' + (o.typing ? " typing" : "") + '"></span>';
          });
          var key = JSON.stringify(data.others);
          if (key !== shown) {  // only what changed is said again to screen readers
            shown = key;
            box.innerHTML = html.join("");
            var spans = box.querySelectorAll(".who");
            data.others.forEach(function (o, i) { spans[i].textContent = (o.typing ? "✎ " : "👁 ") + o.text; });
          }
          if (data.changed && notice.hidden) {
            notice.querySelector(".what").textContent = data.changed.text;
            notice.hidden = false;
          }
          together.setAttribute("data-polled", String(Date.now()));
        })
        .catch(function () { /* offline: the next tick */ });
    };
    window.sladeskPoll = pollNow;  // for the browser tests
    pollNow();
    setInterval(pollNow, seconds * 1000);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) pollNow(); });
    window.addEventListener("pagehide", function () {
      if (navigator.sendBeacon && csrf) {
        var data = new FormData();
        data.append("gone", "1");
        data.append("csrfmiddlewaretoken", csrf.value);
        navigator.sendBeacon(pollUrl, data);
      }
    });
    var reload = document.getElementById("reload-ticket");
    if (reload) reload.addEventListener("click", function () {
      saveDraft().then(function () { sending = true; window.location.reload(); });
    });
  }

  // ---- saved replies: the text filled in for this ticket, the button its action needs -------
  var picker = document.getElementById("macro-select");
  function markPrimary(then, category) {
    var box = composer.querySelector(".buttons.public-only");
    var out = document.getElementById("send-out-of-scope");
    Array.prototype.forEach.call(box.querySelectorAll("button"), function (b) { b.classList.remove("primary"); });
    if (out) { out.hidden = then !== "out_of_scope"; out.value = category || ""; }
    var target = then === "out_of_scope" ? out : box.querySelector("button[data-then='" + then + "']");
    (target || box.querySelector("button[data-then=reply]") || box.querySelector("button")).classList.add("primary");
  }
  if (picker && composer && text && window.fetch) {
    picker.addEventListener("change", function () {
      if (!picker.value) return;
      var url = picker.getAttribute("data-url") + "?key=" + encodeURIComponent(picker.value);
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (data) {
          var pub = document.getElementById("mode-public");
          if (pub && !pub.checked) { pub.checked = true; followMode(); }
          text.value = text.value.trim() ? text.value.replace(/\s+$/, "") + "\n\n" + data.text : data.text;
          markPrimary(data.then, data.category);
          lastKey = Date.now();
          saveDraft();
          text.focus();
        })
        .catch(function () { /* the button beside it still works */ });
    });
  }

  // ---- keys: Ctrl+Enter sends; r replies (never while typing) ----------------------------
  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && text && e.target === text) {
      var button = primaryButton();
      if (button && text.value.trim()) { e.preventDefault(); button.click(); }
      return;
    }
    if (window.sladeskTyping && window.sladeskTyping(e)) return;
    if (e.key === "r" && text) { e.preventDefault(); text.focus(); }
  });
})();
