/* ggzy live pages (a file, never inline: CSP; no eval). Any element with data-live-channel="<channel>"
   listens to /live/<channel>/ (server-sent events: id = message id, event = kind, data = JSON). For each
   event of kind K, descendants with data-live-field="<key>" get the text of data[key], then the handlers
   registered with window.ggzyLive.on(K, fn) run as fn(data, event, element). EventSource reconnects
   by itself and sends Last-Event-ID, so nothing published meanwhile is missed. The kinds listened to:
   data-live-kinds="a b" (default "message update") and every kind given to ggzyLive.on.
   A descendant with data-live-state shows the connection (连接中 / 已连接 / 重新连接中); its labels may be
   given in data-live-connecting / data-live-open / data-live-reconnecting. */
(function () {
  "use strict";
  var handlers = {};
  var sources = [];
  var LABELS = { connecting: "连接中", open: "已连接", reconnecting: "重新连接中" };

  function state(element, name) {
    element.dataset.liveStatus = name;
    element.querySelectorAll("[data-live-state]").forEach(function (shown) {
      var attr = "live" + name.charAt(0).toUpperCase() + name.slice(1);
      shown.textContent = shown.dataset[attr] || LABELS[name];
      shown.dataset.liveState = name;
    });
  }

  function fill(element, data) {
    if (!data || typeof data !== "object") return;
    element.querySelectorAll("[data-live-field]").forEach(function (field) {
      var key = field.dataset.liveField;
      if (Object.prototype.hasOwnProperty.call(data, key)) field.textContent = String(data[key]);
    });
  }

  function listen(entry, kind) {
    if (entry.kinds[kind]) return;
    entry.kinds[kind] = true;
    entry.source.addEventListener(kind, function (event) {
      var data = null;
      try {
        data = JSON.parse(event.data);
      } catch (err) {
        return;
      }
      if (event.lastEventId) entry.element.dataset.liveLast = event.lastEventId;
      fill(entry.element, data);
      (handlers[kind] || []).forEach(function (fn) {
        fn(data, event, entry.element);
      });
    });
  }

  function open(element) {
    if (element.dataset.liveBound) return;
    element.dataset.liveBound = "1";
    var channel = element.dataset.liveChannel;
    // a new EventSource sends no Last-Event-ID: after a page-made reconnect, the last id goes in ?last=
    var last = element.dataset.liveLast;
    var url = "/live/" + encodeURIComponent(channel).replace(/%3A/gi, ":") + "/";
    var source = new EventSource(last ? url + "?last=" + encodeURIComponent(last) : url);
    var entry = { element: element, source: source, kinds: {} };
    sources.push(entry);
    state(element, "connecting");
    source.addEventListener("open", function () {
      state(element, "open");
    });
    source.addEventListener("error", function () {
      // CONNECTING: the browser reconnects by itself (with Last-Event-ID); CLOSED: it gave up (an HTTP
      // error, e.g. not allowed): the page says it is reconnecting and tries once more in a while.
      state(element, "reconnecting");
      if (source.readyState === EventSource.CLOSED) {
        window.setTimeout(function () {
          var at = sources.indexOf(entry);
          if (at >= 0) sources.splice(at, 1);
          delete element.dataset.liveBound;
          open(element);
        }, 5000);
      }
    });
    (element.dataset.liveKinds || "message update").split(/\s+/).forEach(function (kind) {
      if (kind) listen(entry, kind);
    });
    // more was missed than the server replays: the page reloads (unless it handles `reload` itself)
    source.addEventListener("reload", function () {
      if (!(handlers.reload || []).length) window.location.reload();
    });
    Object.keys(handlers).forEach(function (kind) {
      listen(entry, kind);
    });
  }

  window.ggzyLive = {
    on: function (kind, fn) {
      (handlers[kind] = handlers[kind] || []).push(fn);
      sources.forEach(function (entry) {
        listen(entry, kind);
      });
    },
    // for tests and pages that leave: close every connection, or drop them and reconnect from the last id
    close: function () {
      sources.forEach(function (entry) {
        entry.source.close();
      });
    },
    reconnect: function () {
      var elements = sources.map(function (entry) {
        entry.source.close();
        delete entry.element.dataset.liveBound;
        state(entry.element, "reconnecting");
        return entry.element;
      });
      sources = [];
      elements.forEach(open);
    },
  };

  function start() {
    document.querySelectorAll("[data-live-channel]").forEach(open);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
