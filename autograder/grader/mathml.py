"""nbgrader preprocessor `RenderMathOffline`: feedback pages show their math without a network.

nbgrader's feedback template loads MathJax from a CDN, so offline (or behind a strict firewall)
a student saw raw `$L(\\boldsymbol\\theta)$`. Here the LaTeX of the instructor's markdown is turned
into MathML before rendering (with latex2mathml, pure Python); browsers draw MathML natively
(Chromium 109+, Firefox, Safari), so a page needs no script and no network for its math.

Runs in GenerateFeedback after WithholdHiddenTests: markdown that is not the release's own was
already turned into preprocessed text there (a fenced ```text block) and is left alone, as are
code spans and fenced code. A formula that latex2mathml cannot convert stays as its LaTeX source.
"""

from __future__ import annotations

import html
import re

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

# Code (fenced blocks, inline spans) first, so that their dollars are never read as math; then
# display math ($$...$$, \[...\], \begin{env}...\end{env}) before inline math ($...$, \(...\)).
_TOKENS = re.compile(
    r"(?P<fence>^(?P<ticks>`{3,}|~{3,})[^\n]*\n.*?^(?P=ticks)[ \t]*$)"
    r"|(?P<code>(?P<run>`+).+?(?<!`)(?P=run)(?!`))"
    r"|\$\$(?P<display>.+?)\$\$"
    r"|\\\[(?P<bracket>.+?)\\\]"
    r"|(?P<env>\\begin\{(?P<name>[A-Za-z*]+)\}.*?\\end\{(?P=name)\})"
    r"|(?<![\\$])\$(?P<inline>[^$]*?[^\\$])\$(?!\$)"
    r"|\\\((?P<paren>.+?)\\\)",
    re.S | re.M,
)
# Characters that markdown would read inside the MathML's text; written as entities instead.
_MARKDOWN_SPECIAL = {"*": "&#42;", "_": "&#95;", "`": "&#96;", "[": "&#91;", "]": "&#93;", "\\": "&#92;"}


def latex_to_mathml(latex: str, display: bool = False) -> str | None:
    """The MathML of `latex` on one line, or None when latex2mathml cannot convert it."""
    from latex2mathml.converter import convert

    try:
        mathml = convert(latex.strip(), display="block" if display else "inline")
    except Exception:  # latex2mathml raises many kinds of errors on LaTeX it does not know
        return None
    mathml = mathml.replace("\n", " ")
    # Protect the text between tags (never the tags) from markdown.
    return re.sub(
        r">([^<]+)<",
        lambda m: ">" + "".join(_MARKDOWN_SPECIAL.get(ch, ch) for ch in m.group(1)) + "<",
        mathml,
    )


def render_math(markdown: str) -> str:
    """`markdown` with each formula replaced by its MathML (formulas that fail are kept)."""

    def replace(match):
        if match.group("fence") or match.group("code"):
            return match.group(0)
        display = next((match.group(g) for g in ("display", "bracket", "env") if match.group(g)), None)
        inline = match.group("inline") if match.group("inline") is not None else match.group("paren")
        latex = display if display is not None else inline
        mathml = latex_to_mathml(html.unescape(latex), display is not None)
        return match.group(0) if mathml is None else mathml

    return _TOKENS.sub(replace, markdown)


class RenderMathOffline(Preprocessor):
    """Replace the LaTeX of markdown cells by MathML (feedback pages need no MathJax)."""

    enabled = Bool(True).tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown" and not cell.source.startswith("```"):
            cell.source = render_math(cell.source)
        return cell, resources
