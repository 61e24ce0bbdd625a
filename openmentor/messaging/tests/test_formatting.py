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


def test_chat_writing_renders_as_written() -> None:
    # A line break is a line break; a bullet list and a numbered list stay two lists.
    assert render_markdown("line one\nline two") == "<p>line one<br>\nline two</p>"
    lists = render_markdown("- item one\n- item two\n\n1. first\n2. second")
    assert lists.count("<ul>") == 1 and lists.count("<ol>") == 1 and lists.count("<li>") == 4
    # A list may start right under a line of text, or right after a list of the other kind,
    # as people write in chats; a number that merely starts a line stays text.
    assert render_markdown("Plan:\n- read\n- write") == (
        "<p>Plan:</p>\n<ul>\n<li>read</li>\n<li>write</li>\n</ul>"
    )
    touching = render_markdown("- apple\n- pear\n1. one\n2. two")
    assert touching.count("<ul>") == 1 and touching.count("<ol>") == 1
    assert render_markdown("In 2026\n2026. was a year") == "<p>In 2026<br>\n2026. was a year</p>"
    assert render_markdown("```\nPlan:\n- not a list\n```") == (
        "<pre><code>Plan:\n- not a list\n</code></pre>"
    )
    # A fenced block keeps its lines and indentation.
    code = render_markdown("```\ndef f():\n    return 1\n```")
    assert code == "<pre><code>def f():\n    return 1\n</code></pre>"
    # Angle brackets are text: words about HTML are kept (escaped), nothing is markup.
    assert render_markdown("use <b>bold</b> and <script>x()</script>") == (
        "<p>use &lt;b&gt;bold&lt;/b&gt; and &lt;script&gt;x()&lt;/script&gt;</p>"
    )


def test_bare_addresses_become_links_but_not_inside_code_or_links() -> None:
    rel = 'rel="noopener noreferrer nofollow"'
    assert render_markdown("see https://example.org/a_b?x=1&y=2. Thanks") == (
        f'<p>see <a href="https://example.org/a_b?x=1&amp;y=2" {rel}>'
        "https://example.org/a_b?x=1&amp;y=2</a>. Thanks</p>"
    )
    assert render_markdown("(https://x.org/p)") == (
        f'<p>(<a href="https://x.org/p" {rel}>https://x.org/p</a>)</p>'
    )
    assert render_markdown("**https://x.org**") == (
        f'<p><strong><a href="https://x.org" {rel}>https://x.org</a></strong></p>'
    )
    assert render_markdown("`https://x.org`") == "<p><code>https://x.org</code></p>"
    assert render_markdown("[https://a.org](https://b.org)") == (
        f'<p><a href="https://b.org" {rel}>https://a.org</a></p>'
    )
    # An image is not shown in a message: it becomes a link to the picture.
    assert render_markdown("![plan](https://x.org/p.png)") == (
        f'<p><a href="https://x.org/p.png" {rel}>plan</a></p>'
    )
    assert "<a" not in render_markdown("javascript://x.org and ftp://x.org")


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


def test_a_numbered_list_keeps_its_first_number_and_nothing_else() -> None:
    assert render_markdown("3. review\n4. submit") == (
        '<ol start="3">\n<li>review</li>\n<li>submit</li>\n</ol>'
    )
    assert render_markdown("1. one\n2. two").startswith("<ol>\n")  # 1 needs no attribute
    assert render_markdown("007. bond").startswith('<ol start="7">')
    # Only a positive whole number: zero goes, and so does anything written by hand.
    assert render_markdown("0. zero").startswith("<ol>\n")
    cleaned = formatting.nh3.clean(
        '<ol start="-2"></ol><ol start="2x"></ol><ol start=" 5"></ol><ol start="٣"></ol>'
        '<ol start="4" type="a" reversed></ol><ul start="3"></ul><li start="3"></li>',
        tags=formatting.ALLOWED_TAGS,
        attributes=formatting.ALLOWED_ATTRIBUTES,
        attribute_filter=formatting._allowed_value,
    )
    assert cleaned == '<ol></ol><ol></ol><ol></ol><ol></ol><ol start="4"></ol><ul></ul><li></li>'


def test_www_addresses_become_links_and_a_backslash_makes_any_punctuation_literal() -> None:
    assert render_markdown("visit www.example.org today") == (
        '<p>visit <a href="https://www.example.org" rel="noopener noreferrer nofollow">'
        "www.example.org</a> today</p>"
    )
    assert 'href="https://www.example.org/a?x=1"' in render_markdown("www.example.org/a?x=1.")
    assert "<a" not in render_markdown("not.www.example.org")
    # Written to show a tag as text: the text, without the backslashes.
    assert render_markdown(r"type \<b> and \~") == "<p>type &lt;b&gt; and ~</p>"


def test_a_stray_quote_in_one_link_does_not_swallow_the_next_link() -> None:
    """Markdown reads a quote in an address as the start of a title and can run on over a
    link it has already set aside; its internal placeholder must never reach the page."""
    html = render_markdown('![i](x" onerror="alert(7))  [t](http://a.example "x\\" y")')
    assert "\x02" not in html and "\x03" not in html and "klzzwxh" not in html
    assert html == (
        '<p>![i](x" onerror="alert(7))  '
        '<a href="http://a.example" title="x&quot; y" rel="noopener noreferrer nofollow">t</a>'
        "</p>"
    )
    # Ordinary links and their escapes are untouched.
    assert render_markdown("[a](http://x.org/a\\_b)") == (
        '<p><a href="http://x.org/a_b" rel="noopener noreferrer nofollow">a</a></p>'
    )
