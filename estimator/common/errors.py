"""The one error model for everything a user or a file supplies.

An ``InputError`` carries one ``FieldError`` per problem. ``FieldError.field`` says *where* the
problem is, in the terms of whatever was read: a scenario field (``deductible``, shown by the CLI as
``--deductible``), a path into a JSON document (``patient.name``, ``providers[1].npi``), a row and
column of a CSV file (``row 12 deductible``), a URL parameter or a whole file (``file``). The
message says what is wrong and what is allowed. Every reader (CLI, CSV, JSON case, clinic profile,
price list, URL, widget) raises this error and nothing else for bad input.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One problem with one input: where it is and what is allowed."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"

    def within(self, prefix: str, sep: str = ".") -> FieldError:
        """The same problem, located inside ``prefix`` (``scenario`` + ``zip`` -> ``scenario.zip``)."""
        return FieldError(f"{prefix}{sep}{self.field}" if prefix else self.field, self.message)


class InputError(ValueError):
    """Raised for bad input; ``errors`` lists every problem found (at least one)."""

    def __init__(self, errors: list[FieldError]):
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))

    def within(self, prefix: str, sep: str = ".") -> InputError:
        return InputError([e.within(prefix, sep) for e in self.errors])


def fail(field: str, message: str) -> InputError:
    """An InputError with one problem (``raise fail("file", "is empty")``)."""
    return InputError([FieldError(field, message)])


#: The name the engine has always used for input errors; the same class.
ScenarioError = InputError
