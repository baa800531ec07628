"""The suite's result rows, the table printed from them and their JSON form (pure code)."""

import operator
from dataclasses import asdict, dataclass, field

PEERS = ("seeds", "thumbor", "bare", "nginx")
TITLES = {"seeds": "seeds' app", "thumbor": "thumbor", "bare": "bare Tornado",
          "nginx": "nginx"}
_OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}


@dataclass
class Check:
    """A figure compared with its target, e.g. `Check("vs thumbor", 2.3, ">=", 2.0, "x")`."""

    label: str
    value: float | None
    op: str = ""  # "" for a figure reported without a target
    limit: float = 0.0
    unit: str = "x"

    @property
    def met(self) -> bool | None:
        if not self.op or self.value is None:
            return None
        return _OPS[self.op](self.value, self.limit)

    def __str__(self) -> str:
        value = "n/a" if self.value is None else f"{number(self.value)}{self.unit}"
        text = f"{value} {self.label}".strip()
        if self.op:
            verdict = {True: "met", False: "NOT met", None: "?"}[self.met]
            text += f" (target {self.op} {number(self.limit)}{self.unit}: {verdict})"
        return text


@dataclass
class Row:
    """One measure: Pixvault's figure, each peer's, and the checks the issue names."""

    section: str
    measure: str
    unit: str
    pixvault: float | None
    peers: dict[str, float | None] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    note: str = ""


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is missing or the denominator is 0."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def number(value: float | None) -> str:
    """A figure with as many digits as it deserves: 1,331 / 0.91 / 0.044."""
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}" if abs(value) >= 0.1 or value == 0 else f"{value:.3f}"


def markdown(rows: list[Row]) -> str:
    """The rows as one Markdown table (peers without any figure are left out)."""
    peers = [p for p in PEERS if any(row.peers.get(p) is not None for row in rows)]
    header = ["section", "measure", "unit", "Pixvault", *(TITLES[p] for p in peers),
              "ratios and targets"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        checks = "; ".join(str(check) for check in row.checks)
        if row.note:
            checks = f"{checks} ({row.note})" if checks else row.note
        cells = [row.section, row.measure, row.unit, number(row.pixvault),
                 *(number(row.peers.get(p)) for p in peers), checks]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def summary(rows: list[Row]) -> tuple[int, int]:
    """(targets met, targets checked)."""
    verdicts = [check.met for row in rows for check in row.checks if check.met is not None]
    return sum(verdicts), len(verdicts)


def as_json(rows: list[Row]) -> list[dict]:
    """The rows as plain data, each check with its verdict."""
    return [{**asdict(row), "checks": [{**asdict(c), "met": c.met} for c in row.checks]}
            for row in rows]
