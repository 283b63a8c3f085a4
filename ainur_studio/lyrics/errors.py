"""Problems found while reading synced lyrics: a record for lenient mode, an error for strict."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LrcProblem:
    """Something in an LRC file that was skipped or repaired.

    Attributes:
        line: 1-based line number in the decoded text.
        column: 1-based column (in characters) where the problem starts.
        message: what is wrong and, where possible, how to fix it.
    """

    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"


class LrcError(ValueError):
    """An LRC file that cannot be read (strict mode, or input that is not text at all)."""

    def __init__(self, message: str, *, line: int, column: int) -> None:
        super().__init__(f"line {line}, column {column}: {message}")
        self.message = message
        self.line = line
        self.column = column

    @classmethod
    def from_problem(cls, problem: LrcProblem) -> LrcError:
        return cls(problem.message, line=problem.line, column=problem.column)
