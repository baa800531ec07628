"""Words for people: byte sizes and counted nouns, shared by pages and commands."""


def size_text(size: int) -> str:
    """A byte count as people read it: '1.5 GB', '50 MB', '900 KB', '12 bytes'."""
    for unit, scale in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


def plural(count: int, word: str) -> str:
    """'1 image', '2 images'."""
    return f"{count} {word}{'s' if count != 1 else ''}"
