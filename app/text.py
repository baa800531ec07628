"""Words for people: byte sizes and counted nouns, shared by pages and commands."""


def size_text(size: int) -> str:
    """A byte count as people read it: '1.5 GB', '50 MB', '900 KB', '12 bytes'."""
    for unit, scale in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if size >= scale:
            value = size / scale
            # Three significant digits, but never in exponent form ('1.02e+03 KB').
            return f"{value:.3g} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{size} bytes"


def plural(count: int, word: str) -> str:
    """'1 image', '2 images'."""
    return f"{count} {word}{'s' if count != 1 else ''}"
