// Keyboard decisions: a key press clicks the visible button whose data-key lists it.
// Keys typed into a form field, or with a modifier, are left alone.
//
// While a decision is on its way and the next pair is settling in, the pair's container
// is aria-busy and keys do nothing: htmx wires up the new form only once it has settled,
// and a key pressed before that would submit it as a plain page load (or decide twice).
function pairContainer() {
  return document.getElementById("candidate-card");
}

function setBusy(busy) {
  var container = pairContainer();
  if (container) container.setAttribute("aria-busy", busy ? "true" : "false");
}

document.addEventListener("keydown", function (event) {
  if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
  if (event.target.closest("input, textarea, select, [contenteditable]")) return;
  var key = event.key.toLowerCase();
  var buttons = document.querySelectorAll("button[data-key]");
  for (var i = 0; i < buttons.length; i++) {
    if (buttons[i].dataset.key.split(" ").indexOf(key) !== -1) {
      event.preventDefault();
      var container = pairContainer();
      var busy = container && container.getAttribute("aria-busy") === "true";
      if (!busy && !buttons[i].disabled) buttons[i].click();
      return;
    }
  }
});
document.body.addEventListener("htmx:beforeRequest", function () { setBusy(true); });
["htmx:responseError", "htmx:sendError"].forEach(function (name) {
  document.body.addEventListener(name, function () { setBusy(false); });
});
// Once the next pair is in place, put focus on its heading so a screen reader reads it.
document.body.addEventListener("htmx:afterSettle", function () {
  setBusy(false);
  var heading = document.getElementById("pair-h");
  if (heading) heading.focus({preventScroll: true});
});
