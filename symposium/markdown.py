"""Organiser-written Markdown, made safe: sanitised HTML for pages and escaped text blocks for
PDFs. Shared by every feature that lets organisers write prose (the circular, surveys)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from xml.sax.saxutils import escape

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

# Raw HTML in the source is not passed through (html=False): it comes out as visible text.
_parser = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def _image_as_text(renderer, tokens: list[Token], index: int, options, env) -> str:
    # Pictures would load from anywhere (and break the CSP); their description stays.
    return escape(tokens[index].content)


_parser.add_render_rule("image", _image_as_text)

_SAFE_SCHEMES = ("http", "https", "mailto")
_ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "em",
    "strong",
    "ul",
    "ol",
    "li",
    "h3",
    "h4",
    "h5",
    "h6",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "blockquote",
    "code",
    "pre",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
_cleaner = nh3.Cleaner(
    tags=_ALLOWED_TAGS,
    # A belt-and-braces second line: with html=False these never reach the cleaner as tags.
    clean_content_tags={"script", "style"},
    attributes=_ALLOWED_ATTRIBUTES,
    url_schemes=set(_SAFE_SCHEMES),
    url_relative="deny",
    link_rel="noopener noreferrer",
)
# The page around organiser text already uses h1 and h2.
_TOP_HEADING = 3


def _parse(text: str | None) -> list[Token]:
    tokens = _parser.parse(text or "")
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = max(int(token.tag[1]), _TOP_HEADING)
            token.tag = f"h{level}"
    return tokens


@functools.lru_cache(maxsize=256)
def render_markdown(text: str | None) -> Markup:
    """Markdown as sanitised HTML: paragraphs, emphasis, lists, headings (# and ## become h3),
    http/https/mailto links, tables, quotes and code; anything else is escaped or dropped.

    Kept per text: the same privacy notice, circular or session description is shown on every
    request for it (the registration form renders its notice on each visit: some 7 % of the
    page's work), and HTML made from a text depends on nothing else."""
    html = _parser.renderer.render(_parse(text), _parser.options, {})
    return Markup(_cleaner.clean(html))  # noqa: S704  (cleaned by nh3 just above)


@dataclass(frozen=True)
class TextBlock:
    """One block of Markdown for a PDF writer, in reportlab's paragraph markup.

    ``markup`` is escaped text with only ``<b>``, ``<i>`` and ``<br/>`` in it, so it can go
    straight into a reportlab ``Paragraph``. ``kind`` is one of paragraph, heading, item,
    quote, code or table; ``depth`` is the list nesting of an item (1 for a top-level item)
    or a heading's level; ``bullet`` is "•" or "3." on an item's first paragraph; a table has
    its cells in ``rows`` (header row first) instead of ``markup``.
    """

    kind: str
    markup: str = ""
    depth: int = 0
    bullet: str = ""
    rows: tuple[tuple[str, ...], ...] = ()


def _inline_markup(children: list[Token] | None) -> str:
    parts: list[str] = []
    link_targets: list[str] = []
    for child in children or []:
        kind = child.type
        if kind in ("text", "code_inline", "html_inline"):
            parts.append(escape(child.content))
        elif kind == "softbreak":
            parts.append(" ")
        elif kind == "hardbreak":
            parts.append("<br/>")
        elif kind in ("strong_open", "strong_close"):
            parts.append("<b>" if kind.endswith("open") else "</b>")
        elif kind in ("em_open", "em_close"):
            parts.append("<i>" if kind.endswith("open") else "</i>")
        elif kind == "link_open":
            link_targets.append(str(child.attrGet("href") or ""))
        elif kind == "link_close" and link_targets:
            # A PDF reader cannot follow our links safely; print where they go instead.
            target = link_targets.pop()
            if not target.startswith(tuple(f"{scheme}:" for scheme in _SAFE_SCHEMES)):
                continue
            target = target.removeprefix("mailto:")
            if not "".join(parts).endswith(escape(target)):
                parts.append(f" ({escape(target)})")
        elif kind == "image":
            parts.append(escape(child.content))  # the alt text
    return "".join(parts)


def markdown_blocks(text: str | None) -> list[TextBlock]:
    """The same Markdown as ``render_markdown``, as escaped blocks for a PDF writer."""
    blocks: list[TextBlock] = []
    lists: list[list] = []  # per open list: [ordered, items so far]
    quote_depth = 0
    bullet = ""  # waiting for the first paragraph of a list item
    heading = 0
    table: list[tuple[str, ...]] | None = None
    row: list[str] = []
    for token in _parse(text):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            start = int(token.attrGet("start") or 1) if kind == "ordered_list_open" else 1
            lists.append([kind == "ordered_list_open", start - 1])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            lists[-1][1] += 1
            bullet = f"{lists[-1][1]}." if lists[-1][0] else "•"
        elif kind == "blockquote_open":
            quote_depth += 1
        elif kind == "blockquote_close":
            quote_depth -= 1
        elif kind == "heading_open":
            heading = int(token.tag[1])
        elif kind == "table_open":
            table = []
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and table is not None:
            table.append(tuple(row))
        elif kind == "table_close" and table is not None:
            blocks.append(TextBlock("table", rows=tuple(table)))
            table = None
        elif kind in ("fence", "code_block"):
            code = escape(token.content.rstrip("\n")).replace("\n", "<br/>")
            blocks.append(TextBlock("code", code, depth=len(lists)))
        elif kind == "inline":
            markup = _inline_markup(token.children)
            if table is not None:
                row.append(markup)
            elif heading:
                blocks.append(TextBlock("heading", markup, depth=heading))
                heading = 0
            elif lists:
                blocks.append(TextBlock("item", markup, depth=len(lists), bullet=bullet))
                bullet = ""  # later paragraphs of the same item carry no bullet
            else:
                blocks.append(TextBlock("quote" if quote_depth else "paragraph", markup))
    return blocks
