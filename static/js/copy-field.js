// Select the whole invitation link when its field gets focus, ready to copy. (A file, not an
// onfocus attribute: the Content-Security-Policy runs no inline handler.)
document.addEventListener("focusin", (event) => {
  if (event.target.matches && event.target.matches("input.copy-field")) event.target.select();
});
