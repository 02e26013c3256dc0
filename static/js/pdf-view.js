// The full text beside the decision bar: pdf.js (vendored under static/vendor/pdfjs/) draws
// each page of the report's PDF into a canvas. The screening card is replaced by htmx after
// each vote, so every new card is looked at again (htmx:load).
const RENDERED = "pdfRendered";

async function renderInto(box) {
  if (box.dataset[RENDERED]) return;
  box.dataset[RENDERED] = "1";
  const status = box.querySelector(".pdf-status");
  const pages = box.querySelector(".pdf-pages");
  try {
    const pdfjs = await import(box.dataset.pdfLib);
    pdfjs.GlobalWorkerOptions.workerSrc = box.dataset.pdfWorker;
    // No eval: the Content-Security-Policy forbids it, and pdf.js works without.
    const pdf = await pdfjs.getDocument({ url: box.dataset.pdfUrl, isEvalSupported: false }).promise;
    const width = Math.max(pages.clientWidth - 2, 200);
    const ratio = window.devicePixelRatio || 1;
    for (let number = 1; number <= pdf.numPages; number += 1) {
      if (!box.isConnected) return; // the reviewer voted and the card was replaced
      const page = await pdf.getPage(number);
      const scale = width / page.getViewport({ scale: 1 }).width;
      const viewport = page.getViewport({ scale: scale * ratio });
      const canvas = document.createElement("canvas");
      canvas.width = Math.floor(viewport.width);
      canvas.height = Math.floor(viewport.height);
      canvas.className = "pdf-page";
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", `Page ${number} of ${pdf.numPages}`);
      pages.append(canvas);
      await page.render({ canvasContext: canvas.getContext("2d"), viewport }).promise;
    }
    status.textContent = `${pdf.numPages} page${pdf.numPages === 1 ? "" : "s"}.`;
  } catch (error) {
    status.textContent = "The PDF could not be shown here; open it full size with the link above.";
    box.classList.add("pdf-failed");
  }
}

function renderAll(root) {
  (root || document).querySelectorAll(".pdf-view[data-pdf-url]").forEach(renderInto);
}

renderAll(document);
document.body.addEventListener("htmx:load", (event) => renderAll(event.target.parentNode || document));
