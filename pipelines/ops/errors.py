"""An error and the errors behind it, for the messages that name the real cause."""

from __future__ import annotations


def causes(error: BaseException):
    """The error, then its cause or context, and so on (each once)."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__
