/* ggzy — the little script the pages need besides htmx (a file, never inline: CSP).
   The header menu on small screens: without this script the header simply shows everything. */
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-ggzy-menu]").forEach(function (button) {
    var header = button.closest("header");
    button.addEventListener("click", function () {
      var open = header.classList.toggle("menu-open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
    header.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && header.classList.contains("menu-open")) {
        header.classList.remove("menu-open");
        button.setAttribute("aria-expanded", "false");
        button.focus();
      }
    });
  });
});
