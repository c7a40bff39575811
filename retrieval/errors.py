"""The one user-facing error type: front ends catch it and show its message, nothing more."""


class BackstoryError(Exception):
    """A problem the user can fix; the message says what happened and what to do."""


class IngestError(BackstoryError):
    """One document could not be read; the others in the same run go on."""

    def __init__(self, origin: str, reason: str) -> None:
        super().__init__(f"{origin}: {reason}")
        self.origin = origin
        self.reason = reason


class IndexNotWritable(BackstoryError):
    """The index's files cannot be written (permissions, a read-only mount): not damage, so
    nothing may set the index aside or rebuild it."""
