/* ggzy countdowns to deadlines, on the server's time (a file, never inline: CSP). The page renders the
   server's instant in data-server-now on an ancestor (or the body); each time:now event (live.js,
   {"now": "<ISO instant>"}) sets the offset again. The browser's clock only measures the time since.
   Every element with data-countdown-deadline="<ISO instant>" shows 剩余 X 天 X 小时 X 分 X 秒, or 已截止 once
   passed; data-left holds the seconds left. Labels may be given in data-countdown-left (with {d} {h} {m}
   {s}) and data-countdown-passed on the element. */
(function () {
  "use strict";
  var offset = null; // server time − browser time, in milliseconds

  function serverNow() {
    return Date.now() + (offset || 0);
  }

  function fill(template, values) {
    return template.replace(/\{(\w)\}/g, function (_, key) {
      return String(values[key]);
    });
  }

  function render() {
    var now = serverNow();
    document.querySelectorAll("[data-countdown-deadline]").forEach(function (shown) {
      var deadline = Date.parse(shown.dataset.countdownDeadline);
      if (isNaN(deadline)) return;
      var left = Math.floor((deadline - now) / 1000);
      if (left <= 0) {
        shown.textContent = shown.dataset.countdownPassed || "已截止";
        shown.dataset.left = "0";
        return;
      }
      var values = {
        d: Math.floor(left / 86400),
        h: Math.floor((left % 86400) / 3600),
        m: Math.floor((left % 3600) / 60),
        s: left % 60,
      };
      shown.textContent = fill(shown.dataset.countdownLeft || "剩余 {d} 天 {h} 小时 {m} 分 {s} 秒", values);
      shown.dataset.left = String(left);
    });
  }

  function fromServer(data) {
    var at = data && Date.parse(data.now);
    if (!at || isNaN(at)) return;
    offset = at - Date.now();
    document.querySelectorAll("[data-server-now]").forEach(function (root) {
      root.dataset.serverNowSeen = data.now;
    });
    render();
  }

  function start() {
    var root = document.querySelector("[data-server-now]");
    if (root) {
      var rendered = Date.parse(root.dataset.serverNow);
      if (!isNaN(rendered)) {
        // the page's first byte arrived responseStart ms after the navigation began (monotonic clock)
        var since = 0;
        var nav = window.performance && performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
        if (nav && nav.responseStart > 0) since = performance.now() - nav.responseStart;
        if (!(since >= 0 && since < 60000)) since = 0;
        offset = rendered - (Date.now() - since);
      }
    }
    render();
    window.setInterval(render, 1000);
  }

  if (window.ggzyLive) {
    ["now", "time", "tick", "message"].forEach(function (kind) {
      window.ggzyLive.on(kind, function (data, event, element) {
        if (element.dataset.liveChannel === "time:now") fromServer(data);
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
