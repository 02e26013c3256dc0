// Keyboard shortcuts for the screening and conflict pages. A key presses the button (or
// follows the link) marked data-key="<key>" in the element marked data-shortcuts, so every
// shortcut does exactly what its visible control does, with or without JavaScript.
// Keys typed into a text box, select or button are left alone; Esc leaves the box.
(function () {
  "use strict";
  function typing(target) {
    return target.closest && target.closest("input, textarea, select, [contenteditable]");
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    var sheet = document.getElementById("shortcuts");
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (event.key === "?") {
      event.preventDefault();
      if (sheet && !sheet.open) sheet.showModal(); else if (sheet) sheet.close();
      return;
    }
    if (sheet && sheet.open) return;
    var area = document.querySelector("[data-shortcuts]");
    if (!area) return;
    if (area.classList.contains("htmx-added")) {
      // htmx is still swapping this card in and has not wired its form yet: a click now would
      // post it without htmx, voting on a record shown for a few milliseconds and reloading
      // the page (a held key did that). Keys are dropped until the card settles, as hx-sync
      // drops them while a vote is on its way.
      event.preventDefault();
      return;
    }
    var key = event.key.toLowerCase();
    if (key === "n") {
      var note = area.querySelector("textarea");
      if (note) { event.preventDefault(); note.focus(); }
      return;
    }
    var control = area.querySelector('[data-key="' + CSS.escape(key) + '"]');
    if (!control) return;
    event.preventDefault();
    if (control.tagName === "OPTION") {
      control.parentElement.value = control.value;
      return;
    }
    if (!control.disabled) control.click();
  });
})();
