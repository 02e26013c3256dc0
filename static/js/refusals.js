// No silent failure. By default htmx swaps nothing when the server answers 4xx or 5xx, so a
// refused action (a vote on a record the lead resolved meanwhile, an exclusion without a
// reason) would leave the screen as it was. The server answers a refusal it can explain with
// the fragment that explains it: 422 (the input needs fixing; the same form, the field
// marked) or 409 (the state changed; what happened and what comes next). Those are swapped
// like a success. Any other failure (403, 404, 500, no answer at all) puts a message where
// the swap would have gone, saying what to do.
(function () {
  "use strict";
  if (!window.htmx) return;
  htmx.config.responseHandling = [
    {code: "204", swap: false},
    {code: "[23]..", swap: true},
    {code: "409|422", swap: true},
    {code: "[45]..", swap: false, error: true},
    {code: "...", swap: false}
  ];

  var MESSAGES = {
    403: "Not allowed: your role in this review cannot do this. Ask a lead of the review.",
    404: "This is no longer here (it was removed, or you are no longer a member). Reload the page.",
    413: "The upload is too large for this server.",
    429: "Too many requests at once. Wait a moment and try again."
  };

  function messageFor(status) {
    if (MESSAGES[status]) return MESSAGES[status];
    if (status >= 500) return "The server failed (error " + status + "); nothing was changed. Reload the page and try again.";
    return "The server refused this (error " + status + "). Reload the page and try again.";
  }

  function show(target, text) {
    var anchor = target && target !== document.body ? target : document.querySelector("main");
    if (!anchor) return;
    var box = anchor.previousElementSibling;
    if (!box || !box.hasAttribute("data-refusal")) {
      box = document.createElement("p");
      box.className = "message error";
      box.setAttribute("role", "alert");
      box.setAttribute("data-refusal", "");
      anchor.parentNode.insertBefore(box, anchor);
    }
    box.textContent = text;
  }

  document.addEventListener("htmx:responseError", function (event) {
    show(event.detail.target, messageFor(event.detail.xhr.status));
  });
  document.addEventListener("htmx:sendError", function (event) {
    show(event.detail.target, "No answer from the server: check the connection, then try again.");
  });
  // A new attempt clears the message of the last one.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var box = event.detail.target && event.detail.target.previousElementSibling;
    if (box && box.hasAttribute("data-refusal")) box.remove();
  });
})();
