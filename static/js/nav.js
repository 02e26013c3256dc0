// The menus of the header are <details>: they open and close by keyboard without this file.
// It only closes an open menu on a click elsewhere or on Esc (focus back on its summary).
(function () {
  "use strict";
  function openMenus() { return document.querySelectorAll("details.nav-menu[open]"); }
  document.addEventListener("click", function (event) {
    openMenus().forEach(function (menu) { if (!menu.contains(event.target)) menu.open = false; });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    openMenus().forEach(function (menu) {
      menu.open = false;
      if (menu.contains(document.activeElement)) menu.querySelector("summary").focus();
    });
  });
})();
