"""Every error the user can fix, in one place, and the exit statuses the command line gives.

An `InputError` says what is wrong with something the user wrote or gave: a line of
sources.txt, a key of params.yaml, an entry of the frame lexicon, a table on disk. Its message
names the file (and the line, key or URL) at fault. The command line turns it into one line on
stderr and `EXIT_INPUT`; any other exception is a bug and keeps its traceback.

    >>> str(ParamsError("params.yaml: extract.min_words: expected a whole number"))
    'params.yaml: extract.min_words: expected a whole number'
    >>> issubclass(SourcesError, InputError) and issubclass(SchemaError, ValueError)
    True
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_ERROR = 1          # an unexpected error (a bug): the traceback is printed
EXIT_INPUT = 2          # the input is wrong: sources, params, lexicon, tables; nothing was done
EXIT_SOURCES = 3        # the run completed, but some sources could not be fetched (see summary)
EXIT_BUSY = 75          # another run holds the project's lock (sysexits' EX_TEMPFAIL: try later)
EXIT_INTERRUPTED = 130  # Ctrl-C or SIGTERM: what had finished is saved

EXIT_STATUSES = {
    EXIT_OK: "success",
    EXIT_ERROR: "unexpected error (a bug: the traceback says where)",
    EXIT_INPUT: "the input is wrong (sources.txt, params.yaml, the lexicon or a table); "
                "the message names the file and the line or key",
    EXIT_SOURCES: "the run completed, but some sources could not be fetched "
                  "(the summary table says which and why)",
    EXIT_BUSY: "another run is using this project folder (the message names it); nothing was "
               "done",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C or SIGTERM); what had finished is kept",
}


class InputError(ValueError):
    """Something the user gave is wrong; the message names the file and the line or key."""


class BusyError(RuntimeError):
    """Another run holds the project's lock; the message names the holder."""


class ParamsError(InputError):
    """params.yaml is missing, malformed, or holds an unknown, mistyped or out-of-range key."""


class SourcesError(InputError):
    """sources.txt has bad lines; `problems` holds one message per bad line, with its number."""

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = problems
        listing = "\n".join(f"  {p}" for p in problems)
        super().__init__(
            f"{path}: {len(problems)} problem(s); nothing was fetched. Fix them and run again:\n"
            f"{listing}"
        )


class LexiconError(InputError):
    """The frame lexicon (frames.yaml) is malformed."""


class SchemaError(InputError):
    """A table on disk is missing, unreadable, or lacks a column or type its schema requires."""


class TopicsError(InputError):
    """The topics stage cannot run on the bags it was given (e.g. a forced K too large)."""


class ExecutorError(InputError):
    """`executor: dask` in params.yaml, but its scheduler cannot be reached (or dask is missing)."""


class LemmatizerError(InputError, RuntimeError):
    """A lemmatiser's model is not installed, or the lemma cache is unreadable."""
