// Keyboard decisions: a key press clicks the visible button whose data-key lists it.
// Keys typed into a form field, or with a modifier, are left alone.
document.addEventListener("keydown", function (event) {
  if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
  if (event.target.closest("input, textarea, select, [contenteditable]")) return;
  var key = event.key.toLowerCase();
  var buttons = document.querySelectorAll("button[data-key]");
  for (var i = 0; i < buttons.length; i++) {
    if (buttons[i].dataset.key.split(" ").indexOf(key) !== -1 && !buttons[i].disabled) {
      event.preventDefault();
      buttons[i].click();
      return;
    }
  }
});
// After htmx swaps in the next pair, put focus on its heading so a screen reader reads it.
document.body.addEventListener("htmx:afterSwap", function (event) {
  var heading = event.detail.target.querySelector("#pair-h");
  if (heading) heading.focus({preventScroll: true});
});
