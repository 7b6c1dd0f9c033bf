"""What the checker found: problems, each with a rule name, a message and the ids involved."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content: a rule name, a readable message and the ids involved."""

    rule: str
    message: str
    ids: tuple[str, ...] = ()


@dataclass
class Report:
    """Every problem `check` found, in the order the rules run."""

    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no rule found a problem."""
        return not self.problems

    def rules(self) -> set[str]:
        """The names of the rules that found at least one problem."""
        return {problem.rule for problem in self.problems}

    def add(self, rule: str, message: str, ids: Iterable[str] = ()) -> None:
        """Record one problem."""
        self.problems.append(Problem(rule, message, tuple(ids)))
