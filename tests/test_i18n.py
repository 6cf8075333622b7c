"""Every user-facing string marked for translation has its Traditional Chinese text."""

from pathlib import Path

from babel.messages.extract import extract_from_dir

from tenfold.i18n import catalogue, gettext, language_from_accept, normalise_language

SOURCE = Path(__file__).resolve().parents[1] / "src" / "tenfold"
MAPPING = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "N_": None, "both": None}


def _marked_strings() -> dict[str, str]:
    found = {}
    for filename, _line, message, _comments, _context in extract_from_dir(str(SOURCE), MAPPING, keywords=KEYWORDS):
        if isinstance(message, str) and message:
            found[message] = filename
    return found


def test_every_marked_string_has_a_zh_hant_translation() -> None:
    marked = _marked_strings()
    assert len(marked) > 20, "the extractor found almost nothing; is the mapping right?"
    translations = catalogue("zh-Hant")
    missing = sorted(f"{where}: {message!r}" for message, where in marked.items() if not translations.get(message))
    assert not missing, "strings without a zh-Hant translation:\n" + "\n".join(missing)


def test_translations_keep_their_placeholders() -> None:
    import re

    for message, translated in catalogue("zh-Hant").items():
        assert set(re.findall(r"\{[a-z_]+(?:[:!][^}]*)?\}", message)) == set(re.findall(r"\{[a-z_]+(?:[:!][^}]*)?\}", translated)), message


def test_language_negotiation() -> None:
    assert normalise_language("zh-TW") == "zh-Hant"
    assert normalise_language("en-GB") == "en"
    assert language_from_accept("en;q=0.5, zh-Hant;q=0.9") == "zh-Hant"
    assert language_from_accept("fr, de") == "en"
    assert gettext("error", "zh-Hant") == "錯誤"
    assert gettext("error", "en") == "error"
