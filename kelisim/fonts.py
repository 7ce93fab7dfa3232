"""The font files every printed document embeds, and where to find them on this machine.

Kept apart from kelisim/pdf.py (WeasyPrint, the problem types and so FastAPI) so that
`kelisim up` can say at start that printing is off without loading any of that.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FontFace:
    """One font file a document may embed: its CSS family and weight, file names, package."""

    family: str
    weight: str
    names: tuple[str, ...]
    package: str


# The fallback chain, in order: the templates say `font-family: "DejaVu Sans", "Symbola"`. Each
# embedded face costs render time: DejaVu in two weights, Symbola in one (a bold emoji is
# Symbola emboldened).
FACES = (
    FontFace("DejaVu Sans", "normal", ("DejaVuSans.ttf",), "fonts-dejavu-core"),
    FontFace("DejaVu Sans", "bold", ("DejaVuSans-Bold.ttf",), "fonts-dejavu-core"),
    FontFace("Symbola", "normal", ("Symbola_hint.ttf", "Symbola.ttf"), "fonts-symbola"),
)
# Where Debian, Fedora and Arch keep those files.
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/truetype/ancient-scripts"),
    Path("/usr/share/fonts/dejavu-sans-fonts"),
    Path("/usr/share/fonts/gdouros-symbola"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
)


def find_fonts(font_dir: Path | None = None) -> dict[FontFace, Path] | str:
    """Each face's file, in FACES' order; or, when one is missing, why documents cannot be
    printed (naming the package that brings it)."""
    found = {}
    dirs = (font_dir,) if font_dir else FONT_DIRS
    for face in FACES:
        candidates = (d / name for name in face.names for d in dirs)
        path = next((p for p in candidates if p.is_file()), None)
        if path is None:
            return (
                f"Documents cannot be printed: the font {' or '.join(face.names)} is not "
                f"installed on the server (looked in {', '.join(map(str, dirs))}). "
                f"The administrator installs the package {face.package}."
            )
        found[face] = path.resolve()
    return found


def printing_problem() -> str | None:
    """Why documents cannot be printed here, or None: what `kelisim up` says at start."""
    found = find_fonts()
    return found if isinstance(found, str) else None
