// Select the whole invitation link when its field gets focus, ready to copy, and copy it with
// its button. (A file, not an onfocus attribute: the Content-Security-Policy runs no inline handler.)
document.addEventListener("focusin", (event) => {
  if (event.target.matches && event.target.matches("input.copy-field")) event.target.select();
});

document.addEventListener("click", async (event) => {
  const button = event.target.closest && event.target.closest("button.copy-button");
  if (!button) return;
  const field = document.getElementById(button.dataset.copy);
  const status = button.parentElement.querySelector(".copy-status");
  if (!field) return;
  let copied = false;
  try {
    await navigator.clipboard.writeText(field.value);
    copied = true;
  } catch (error) {
    // No clipboard permission (plain http): select the link and try the older command.
    field.focus();
    field.select();
    copied = document.execCommand && document.execCommand("copy");
  }
  if (status) status.textContent = copied ? "Copied." : "Selected: press Ctrl+C (⌘C) to copy.";
});
