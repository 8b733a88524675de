"""The feedback checks read pages and tracebacks with library parsers (issue 16, item 6)."""

from autograder.feedback import page_text
from autograder.grader.tracebacks import tidy_traceback


def test_page_text_keeps_visible_text_and_decodes_entities():
    page = (
        "<html><head><style>p { color: red }</style><script>var secret = 'HIDDEN-1';</script></head>"
        '<body><h1>Lesson 01: <b>8 / 10</b></h1><pre><span class="n">x</span> '
        '<span class="o">&lt;</span> 1e-3 &amp;&amp; ok</pre>'
        "<!-- a comment --><p>caf&eacute;</p></body></html>"
    )
    assert page_text(page) == "Lesson 01: 8 / 10x < 1e-3 && okcafé"


def test_page_text_skips_nested_scripts_and_unclosed_tags():
    assert page_text("<div>a<script>b</script>c<style>d</style>e<p>f") == "acef"


def test_tracebacks_lose_their_colour_codes():
    coloured = "\x1b[0;31mValueError\x1b[0m: lr must be >= 0\x1b[1;32m\x1b[0m"
    assert tidy_traceback(coloured) == "ValueError: lr must be >= 0"


def test_the_secret_check_strips_only_well_formed_colour_codes():
    """nbconvert's strip_ansi would remove "ESC[0.1234 x" whole, hiding a printed hidden input."""
    from nbconvert.filters import strip_ansi

    from autograder.grader.withhold import ANSI

    disguised = "\x1b[0.1234 x"
    assert strip_ansi(disguised) == ""
    assert ANSI.sub("", disguised) == disguised
    assert ANSI.sub("", "\x1b[0;31m0.1234\x1b[0m") == "0.1234"
