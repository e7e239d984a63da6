// BreachDesk workspace: live countdowns, the wizard's outcome preview, send-out progress. No inline script
// anywhere (Content-Security-Policy); the thresholds mirror breachdesk/web/countdown.py.
(function () {
  "use strict";
  var URGENT = 12 * 3600, SOON = 24 * 3600;

  function durationText(seconds) {
    seconds = Math.abs(Math.trunc(seconds));
    var d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600);
    var m = Math.floor((seconds % 3600) / 60), s = seconds % 60, ss = (s < 10 ? "0" : "") + s;
    if (d) return d + " d " + h + " h " + m + " min " + ss + " s";
    if (h) return h + " h " + m + " min " + ss + " s";
    return m + " min " + ss + " s";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      var left = Math.trunc((Date.parse(el.dataset.due) - now) / 1000);
      var state = left < 0 ? "overdue" : left < URGENT ? "urgent" : left < SOON ? "soon" : "ok";
      var text = left < 0 ? "Overdue by " + durationText(left) : durationText(left) + " left";
      var label = el.querySelector(".countdown-text");
      if (label && label.textContent !== text) label.textContent = text;
      var icon = el.querySelector(".countdown-icon");
      if (icon) icon.textContent = left < 0 ? "⚠ " : "";
      el.classList.remove("state-ok", "state-soon", "state-urgent", "state-overdue");
      el.classList.add("state-" + state);
    });
  }

  function preview(form) {
    var target = document.getElementById("outcome");
    if (!target || !form.dataset.preview) return;
    fetch(form.dataset.preview, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) target.innerHTML = html; });
  }

  // A send-out's progress panel is fetched again every 2 s while it sends; a screen reader
  // hears the one-line summary when it changes (not the whole panel).
  function follow(el) {
    var live = document.createElement("p");
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "polite");
    el.parentNode.insertBefore(live, el.nextSibling);
    var last = null;
    var timer = setInterval(function () {
      fetch(el.dataset.progressUrl, { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null || html === last) return;
          last = html;
          el.innerHTML = html;
          var summary = el.querySelector(".progress-summary");
          if (summary && live.textContent !== summary.textContent) live.textContent = summary.textContent;
          var body = el.querySelector("[data-status]");
          if (!body || body.dataset.status !== "sending") clearInterval(timer);
        });
    }, 2000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-progress-url]").forEach(function (el) {
      var body = el.querySelector("[data-status]");
      if (body && body.dataset.status === "sending") follow(el);
    });
    tick();
    setInterval(tick, 1000);
    var form = document.querySelector("form[data-preview]");
    if (form) form.addEventListener("change", function () { preview(form); });
  });
})();
