"""Find the Debian mirror this machine already uses, so no mirror URL is written into the project."""

import os
from collections.abc import Iterator
from pathlib import Path

from .config import LocalcloudError

SUITE = "bookworm"
COMPONENT = "main"
APT_DIR = Path("/etc/apt")


def debian_mirror(apt_dir: Path = APT_DIR) -> str:
    """LOCALCLOUD_DEBIAN_MIRROR if set, else the first apt source serving bookworm/main."""
    override = os.environ.get("LOCALCLOUD_DEBIAN_MIRROR", "").strip()
    if override:
        return override.rstrip("/")
    for uri, suites, components in apt_sources(apt_dir):
        if SUITE in suites and COMPONENT in components:
            return uri.rstrip("/")
    raise LocalcloudError(f"no apt source in {apt_dir} serves {SUITE}/{COMPONENT}: set LOCALCLOUD_DEBIAN_MIRROR to a Debian mirror URL")


def apt_sources(apt_dir: Path) -> Iterator[tuple[str, list[str], list[str]]]:
    """Yield (uri, suites, components) of every binary source, in apt's file order."""
    one_line_files = [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*.list"))]
    for path in one_line_files:
        if path.is_file():
            yield from one_line_sources(path.read_text(encoding="utf-8"))
    for path in sorted((apt_dir / "sources.list.d").glob("*.sources")):
        yield from deb822_sources(path.read_text(encoding="utf-8"))


def one_line_sources(text: str) -> Iterator[tuple[str, list[str], list[str]]]:
    """Parse 'deb [options] URI SUITE COMPONENT...' lines."""
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if not words or words[0] != "deb":
            continue
        if len(words) > 1 and words[1].startswith("["):
            # Options run up to the word that closes the bracket.
            closing = next((i for i, w in enumerate(words) if w.endswith("]")), len(words) - 1)
            words = words[:1] + words[closing + 1:]
        if len(words) >= 4:
            yield words[1], [words[2]], words[3:]


def deb822_sources(text: str) -> Iterator[tuple[str, list[str], list[str]]]:
    """Parse the stanzas of a DEB822 .sources file (fields Types, URIs, Suites, Components, Enabled)."""
    for stanza in text.split("\n\n"):
        fields = deb822_fields(stanza)
        if "deb" not in fields.get("types", []) or fields.get("enabled", ["yes"]) == ["no"]:
            continue
        for uri in fields.get("uris", []):
            yield uri, fields.get("suites", []), fields.get("components", [])


def deb822_fields(stanza: str) -> dict[str, list[str]]:
    """Map lower-cased field names to their whitespace-separated values (continuation lines included)."""
    fields: dict[str, list[str]] = {}
    current = ""
    for line in stanza.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if line[0] in " \t" and current:
            fields[current].extend(line.split())
            continue
        name, colon, value = line.partition(":")
        if not colon:
            continue
        current = name.strip().lower()
        fields[current] = value.split()
    return fields
