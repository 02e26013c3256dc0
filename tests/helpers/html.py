"""Read the app's pages in tests through an HTML parser (the standard library's), not by
slicing the markup: a test names the element it means with a CSS selector and reads its text
or an attribute, and fails with the selector when the element is missing.

    select(html, "tbody tr")                   every match, in document order
    select_one(html, "#record-title")          the only match (an AssertionError for none or several)
    text_of(html, "#my-progress")              its text, whitespace collapsed as a reader sees it
    attribute(html, "[data-record-id]", "data-record-id")

`html` is a page as str or bytes, a test client's response, or an Element found earlier (then
only inside it). Selectors: a tag or ``*``, ``#id``, ``.class``, ``[name]``, ``[name=value]``
(value quoted or not), combined as in CSS by a space (descendant) or ``>`` (child).
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

# Elements that never have an end tag or content.
VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
# Closed by a new one of these (and by their parent's end), as browsers do when the end tag is left out.
CLOSED_BY_SIBLING = {"li": {"li"}, "option": {"option"}, "tr": {"tr"}, "td": {"td", "th", "tr"},
                     "th": {"td", "th", "tr"}, "dt": {"dt", "dd"}, "dd": {"dt", "dd"}}


class Element:
    """One element of the parsed page: its tag, attributes, children (elements and text), and
    its position among the page's elements in document order (to test what comes first)."""

    __slots__ = ("tag", "attrs", "children", "parent", "position")

    def __init__(self, tag: str, attrs: dict[str, str], parent: Element | None, position: int = 0):
        self.tag, self.attrs, self.children, self.parent, self.position = tag, attrs, [], parent, position

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    @property
    def text(self) -> str:
        """The text inside, whitespace collapsed to single spaces and trimmed."""
        return " ".join("".join(self._text_parts()).split())

    def _text_parts(self):
        for child in self.children:
            if isinstance(child, Element):
                yield from child._text_parts()
            else:
                yield child

    def descendants(self):
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.descendants()

    def __repr__(self) -> str:
        attrs = "".join(f' {name}="{value}"' for name, value in self.attrs.items())
        return f"<{self.tag}{attrs}>"


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element("#document", {}, None)
        self.count = 0

    def handle_starttag(self, tag, attrs):
        closes = {name for name, siblings in CLOSED_BY_SIBLING.items() if tag in siblings}
        while self.current.tag in closes:
            self.current = self.current.parent
        self.count += 1
        attributes = {name: value if value is not None else "" for name, value in attrs}
        element = Element(tag, attributes, self.current, self.count)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.current = self.current.parent

    def handle_endtag(self, tag):
        # Close up to the matching open element; a stray end tag closes nothing.
        open_element = self.current
        while open_element is not None and open_element.tag != tag:
            open_element = open_element.parent
        if open_element is not None and open_element.parent is not None:
            self.current = open_element.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html) -> Element:
    """The document of `html` (a str, bytes or a test client's response), or `html` itself when
    it is an Element already."""
    if isinstance(html, Element):
        return html
    if hasattr(html, "content"):
        html = html.content
    if isinstance(html, bytes):
        html = html.decode("utf-8")
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


_COMPOUND_PART = re.compile(r"""\#(?P<id>[\w-]+)|\.(?P<cls>[\w-]+)
    |\[\s*(?P<attr>[\w:-]+)\s*(?:=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\]\s]+))\s*)?\]""", re.X)
_TAG = re.compile(r"\*|[a-zA-Z][\w-]*")


def _parse_compound(text: str, selector: str):
    tag_match = _TAG.match(text)
    tag = tag_match.group(0).lower() if tag_match else "*"
    position = tag_match.end() if tag_match else 0
    tests = []
    while position < len(text):
        part = _COMPOUND_PART.match(text, position)
        if not part:
            raise ValueError(f"unsupported selector {selector!r} at {text[position:]!r}")
        if part["id"]:
            tests.append(("id", part["id"]))
        elif part["cls"]:
            tests.append(("class", part["cls"]))
        else:
            value = next((v for v in (part["dq"], part["sq"], part["bare"]) if v is not None), None)
            tests.append(("attr", (part["attr"], value)))
        position = part.end()
    return tag, tests


def _parse_selector(selector: str):
    """[(combinator, compound)], left to right; the first combinator is None."""
    steps, combinator = [], None
    for token in re.findall(r">|(?:[^\s>\[]+|\[[^\]]*\])+", selector):
        if token == ">":
            combinator = ">"
            continue
        steps.append((combinator if steps else None, _parse_compound(token, selector)))
        combinator = " "
    if not steps or combinator == ">":
        raise ValueError(f"unsupported selector {selector!r}")
    return steps


def _matches_compound(element: Element, compound) -> bool:
    tag, tests = compound
    if tag != "*" and element.tag != tag:
        return False
    for kind, value in tests:
        if kind == "id" and element.attrs.get("id") != value:
            return False
        if kind == "class" and value not in element.classes:
            return False
        if kind == "attr":
            name, expected = value
            if name not in element.attrs or (expected is not None and element.attrs[name] != expected):
                return False
    return True


def _matches(element: Element, steps, index: int) -> bool:
    combinator, compound = steps[index]
    if element.tag == "#document" or not _matches_compound(element, compound):
        return False
    if index == 0:
        return True
    if combinator == ">":
        return element.parent is not None and _matches(element.parent, steps, index - 1)
    ancestor = element.parent
    while ancestor is not None:
        if _matches(ancestor, steps, index - 1):
            return True
        ancestor = ancestor.parent
    return False


def select(html, selector: str) -> list[Element]:
    """Every element inside `html` that `selector` matches, in document order."""
    steps = _parse_selector(selector)
    return [element for element in parse(html).descendants() if _matches(element, steps, len(steps) - 1)]


def select_one(html, selector: str) -> Element:
    """The one element `selector` matches; an AssertionError when there is none or several."""
    found = select(html, selector)
    assert len(found) == 1, f"{len(found)} elements match {selector!r}, expected one"
    return found[0]


def text_of(html, selector: str | None = None) -> str:
    """The text of the one element `selector` matches (of all of `html` without a selector),
    whitespace collapsed to single spaces."""
    return (select_one(html, selector) if selector else parse(html)).text


def attribute(html, selector: str, name: str) -> str:
    """The value of attribute `name` of the one element `selector` matches."""
    element = select_one(html, selector)
    assert name in element.attrs, f"{element!r} has no {name} attribute"
    return element.attrs[name]
