"""The sanitised Markdown subset people write messages in."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from openmentor.messaging import formatting
from openmentor.messaging.formatting import render_markdown


def test_markdown_subset_renders_and_dangerous_html_is_removed() -> None:
    assert (
        render_markdown("**bold** and _soft_") == "<p><strong>bold</strong> and <em>soft</em></p>"
    )
    html = render_markdown("[site](https://example.org) <script>alert(1)</script>")
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">site</a>' in html
    assert "<script>" not in html
    assert "javascript:" not in render_markdown("[x](javascript:alert(1))")
    assert render_markdown("1. first\n2. second").startswith("<ol>")


def test_plain_sentences_skip_the_parser_and_render_the_same() -> None:
    assert render_markdown("Hello Ana, shall we meet (Tuesday)?") == (
        "<p>Hello Ana, shall we meet (Tuesday)?</p>"
    )
    # Text that could carry syntax or markup always goes through the parser and sanitiser.
    for text in ["1. one", "x < y", "a & b", "#tag", "a_b_", "see http://x.org", "a  \nb"]:
        assert not formatting._is_plain(text)


# Letters of several scripts, digits and the punctuation the fast path accepts, plus a few
# characters it must refuse, so both branches are drawn.
ALPHABET = st.sampled_from([*"aZéßЖ你ع5 ,.;:?!'\"()", "\n", "*", "_", "1. ", "&", "<"])


@settings(max_examples=400, deadline=None)
@given(st.lists(ALPHABET, min_size=1, max_size=30).map("".join))
def test_fast_path_matches_the_markdown_renderer(text: str) -> None:
    if formatting._is_plain(text):
        assert render_markdown(text) == formatting._parse_and_sanitise(text)
