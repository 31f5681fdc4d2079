/* The opening hall page: when a step begins (a "step" message on the hall's live channel), show what it
   published by loading the page again (a file, never inline: CSP). */
(function () {
  "use strict";
  function ready() {
    if (!window.ggzyLive) return;
    window.ggzyLive.on("step", function () {
      window.location.reload();
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
