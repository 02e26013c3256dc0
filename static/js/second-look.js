// The second look by keyboard: J or the down arrow selects the next record, K or the up arrow
// the previous one, I includes the selected record after all and E keeps it excluded (each
// clicks that record's own button, so the keys and the buttons do the same thing). Keys typed
// into a form field, or with a modifier, are left alone. While an action is on its way the
// list is aria-busy and keys do nothing, so a held key cannot act twice.
(function () {
  "use strict";
  var selectedId = null;
  var selectedIndex = 0;

  function panel() { return document.getElementById("second-look"); }
  function items() { return Array.prototype.slice.call(document.querySelectorAll("ol.second-look > li")); }

  function select(index, focus) {
    var list = items();
    if (!list.length) { selectedId = null; return; }
    index = Math.max(0, Math.min(index, list.length - 1));
    list.forEach(function (item, i) {
      item.classList.toggle("is-selected", i === index);
      if (i === index) item.setAttribute("aria-current", "true"); else item.removeAttribute("aria-current");
    });
    selectedIndex = index;
    selectedId = list[index].dataset.recordId;
    if (focus) {
      list[index].focus({preventScroll: true});
      list[index].scrollIntoView({block: "nearest"});
    }
  }

  // After a swap: the same record if it is still listed (a fresh ranking came in), else the
  // one now at the same place (the record acted on has left the list).
  function restore(focus) {
    var list = items();
    for (var i = 0; i < list.length; i++) {
      if (list[i].dataset.recordId === selectedId) { select(i, focus); return; }
    }
    select(selectedIndex, focus);
  }

  function busy() {
    var element = panel();
    return element && element.getAttribute("aria-busy") === "true";
  }

  function act(action) {
    var item = items()[selectedIndex];
    var button = item && item.querySelector('button[data-action="' + action + '"]');
    if (button && !button.disabled && !busy()) button.click();
  }

  var KEYS = {j: 1, arrowdown: 1, k: -1, arrowup: -1};

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input, textarea, select, [contenteditable]")) return;
    if (!items().length) return;
    var key = event.key.toLowerCase();
    if (KEYS[key]) {
      event.preventDefault();
      select(selectedIndex + KEYS[key], true);
    } else if ((key === "i" || key === "e") && !event.repeat) {
      event.preventDefault();
      act(key === "i" ? "include" : "keep");
    }
  });

  document.addEventListener("click", function (event) {
    var move = event.target.closest("button[data-move]");
    if (move) { select(selectedIndex + Number(move.dataset.move), true); return; }
    var item = event.target.closest("ol.second-look > li");
    if (!item) return;
    var index = items().indexOf(item);
    // A click on a record's own button acts on that record: it becomes the selected one, so
    // the list comes back with the selection where the record was.
    select(index, !event.target.closest("button, summary, a"));
  });

  var acting = false;

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (event.target.closest("ol.second-look")) {
      acting = true;
      var element = panel();
      if (element) element.setAttribute("aria-busy", "true");
    }
  });
  ["htmx:responseError", "htmx:sendError"].forEach(function (name) {
    document.body.addEventListener(name, function () {
      acting = false;
      var element = panel();
      if (element) element.setAttribute("aria-busy", "false");
    });
  });
  document.body.addEventListener("htmx:afterSettle", function () {
    if (!panel()) return;
    restore(acting);
    acting = false;
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { restore(false); });
  else restore(false);
})();
