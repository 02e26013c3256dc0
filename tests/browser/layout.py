"""Walk every page reachable from a review in a browser and check its layout: no HTTP error,
no page wider than the window, no control or table cell cut off outside a scroll box, no
console error. Used by the acceptance test, and by hand to take screenshots of every page."""
import re
from urllib.parse import urljoin, urlsplit

# Files, not pages: downloads are checked by the views' tests.
DOWNLOAD = re.compile(r"\.(csv|ris|svg|json|pdf|png|txt|xml|nbib|bib)$|/pdf/$")
# Leaving the review, or the account's own pages.
OUTSIDE = re.compile(r"^/(accounts|admin|invitations)/")

# Return the controls and table cells that stick out: past the window's edges when no
# ancestor scrolls them, or past an ancestor that clips without scrolling.
CUT_OFF_JS = """
(width) => {
  const found = [];
  const selector = 'button, a.button, input:not([type=hidden]), select, textarea, summary, td, th, progress';
  for (const el of document.querySelectorAll(selector)) {
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') continue;
    let scrolled = false, clipper = null;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const ox = getComputedStyle(a).overflowX;
      if (ox === 'auto' || ox === 'scroll') { scrolled = true; break; }
      if ((ox === 'hidden' || ox === 'clip') && !clipper) clipper = a;
    }
    if (scrolled) continue;
    let cut = r.right > width + 1 || r.left < -1;
    if (!cut && clipper) {
      const c = clipper.getBoundingClientRect();
      cut = c.width > 1 && (r.right > c.right + 1 || r.left < c.left - 1);
    }
    const label = String(el.innerText || el.value || el.name || '').trim().slice(0, 40);
    if (cut) found.push(el.tagName.toLowerCase() + ' "' + label
                         + '" ' + Math.round(r.left) + '..' + Math.round(r.right) + ' of ' + width);
  }
  return found;
}
"""


def shape(path, query):
    """The kind of page a URL is: ids replaced, query keys kept. One page of each kind is
    enough (fifty record pages look alike)."""
    keys = sorted(part.split("=")[0] for part in query.split("&") if part)
    return re.sub(r"/\d+/", "/N/", path) + "?" + "&".join(keys)


def review_links(page, base, review_id):
    """Same-site links under the review on the current page, as absolute URLs."""
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    prefix = f"/reviews/{review_id}/"
    links = []
    for href in hrefs:
        url = urljoin(page.url, href)
        parts = urlsplit(url)
        if not url.startswith(base) or OUTSIDE.match(parts.path) or DOWNLOAD.search(parts.path):
            continue
        if parts.path.startswith(prefix):
            links.append(parts._replace(fragment="").geturl())
    return links


def listen_for_errors(page):
    """Collect the page's console errors and uncaught exceptions in a list, from now on."""
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def check_page(page, url, errors):
    """Open `url`; return a list of problems (empty when the page is fine). `errors`: the
    list listen_for_errors fills."""
    errors.clear()
    response = page.goto(url)
    page.wait_for_load_state("load")
    problems = []
    if response is None or response.status >= 400:
        problems.append(f"HTTP {response.status if response else 'no response'}")
    # A phone widens its layout viewport to fit a page that is too wide (innerWidth grows with
    # it), so the window is the width the browser was opened with.
    window = page.viewport_size["width"]
    wide = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if max(wide) > window:
        problems.append(f"page {max(wide)} px wide in a {window} px window")
    problems += [f"cut off: {item}" for item in page.evaluate(CUT_OFF_JS, window)]
    problems += [f"console: {text}" for text in errors]
    return problems


def walk(page, base, review_id, *, limit=80, screenshot=None):
    """Visit every kind of page reachable from the review's dashboard; return {url: problems}
    for the pages with problems and the list of URLs visited. `screenshot(page, url)` is
    called on every page when given."""
    start = f"{base}/reviews/{review_id}/"
    queue, seen, visited, found = [start], {shape(urlsplit(start).path, "")}, [], {}
    errors = listen_for_errors(page)
    while queue and len(visited) < limit:
        url = queue.pop(0)
        problems = check_page(page, url, errors)
        visited.append(url)
        if problems:
            found[url] = problems
        if screenshot is not None:
            screenshot(page, url)
        for link in review_links(page, base, review_id):
            parts = urlsplit(link)
            key = shape(parts.path, parts.query)
            if key not in seen:
                seen.add(key)
                queue.append(link)
    return found, visited
