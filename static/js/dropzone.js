// Drag and drop onto the upload area: the dropped files go into the file input, so the
// ordinary form submit (which also works without this script) uploads them.
(function () {
  var zone = document.getElementById("dropzone");
  var input = document.getElementById("id_files");
  if (!zone || !input) return;
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("dragging"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
    }
  });
})();
