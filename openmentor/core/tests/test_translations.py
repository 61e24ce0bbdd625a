"""Every text of the interface has its Spanish, French and Portuguese wording: a page in
Portuguese with one English form (matching preferences, say) is what people then meet.

Reads the source as ``makemessages`` would, without its gettext tools: the Python calls
with a literal text and the templates' ``{% translate "…" %}``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]  # openmentor/
LANGUAGES = ("es", "fr", "pt")
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "gettext_noop", "pgettext_lazy"}
TEMPLATE_TRANSLATE = re.compile(r"""{%\s*translate\s+(["'])(.+?)\1(?:\s+as\s+\w+)?\s*%}""", re.S)


def _source_files(pattern: str) -> list[Path]:
    return [
        path
        for path in ROOT.rglob(pattern)
        if "tests" not in path.parts and "migrations" not in path.parts
    ]


def texts_in_python() -> set[str]:
    found = set()
    for path in _source_files("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in GETTEXT_NAMES
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def texts_in_templates() -> set[str]:
    found = set()
    for path in _source_files("*.html") + _source_files("*.txt"):
        for _quote, text in TEMPLATE_TRANSLATE.findall(path.read_text(encoding="utf-8")):
            found.add(text)
    return found


def translated_in(language: str) -> set[str]:
    """The msgids of the language's catalogue that have a translation."""
    text = (ROOT / "locale" / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    done = set()
    for block in text.split("\n\n"):
        parts: dict[str, str] = {}
        current = None
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            match = re.match(r'(msgid|msgid_plural|msgctxt|msgstr(?:\[\d\])?) (".*")$', line)
            if match:
                current = match.group(1)
                parts[current] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and current:
                parts[current] += ast.literal_eval(line)
        wordings = [value for key, value in parts.items() if key.startswith("msgstr")]
        if parts.get("msgid") and wordings and all(wordings):
            done.add(parts["msgid"])
    return done


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_interface_text_is_translated(language: str) -> None:
    wanted = texts_in_python() | texts_in_templates()
    assert len(wanted) > 1000  # the reading found the texts (the check is not empty)
    missing = sorted(wanted - translated_in(language))
    assert missing == [], f"{len(missing)} texts without a {language} translation"
