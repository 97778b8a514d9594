"""Input errors that name the file, the field, what was found and what was expected.

Every problem with user input (a site file, a catalogue entry, a price CSV, a
command-line option) is raised as :class:`InputError`.  The CLI prints
``str(error)`` on one line per problem and exits with status 2; it never shows
a traceback for these.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem with the input: where it is and what is wrong."""

    file: str
    field: str
    found: str
    expected: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{where}: found {self.found}; expected {self.expected}"


class InputError(ValueError):
    """One or more problems with user input.

    ``problems`` lists every problem found, so a user fixes them all at once.
    """

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def one(cls, file: str, field: str, found: object, expected: str) -> "InputError":
        """Shorthand for a single problem."""
        return cls(Problem(str(file), field, str(found), expected))
