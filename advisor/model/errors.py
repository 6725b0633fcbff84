"""Errors a user can cause. The CLI turns each into one line and a non-zero exit."""


class AdvisorError(Exception):
    """Base of every error that is the input's fault, not the program's."""


class InputError(AdvisorError):
    """A file or stream cannot be opened or read."""


class LogFormatError(AdvisorError):
    """A log's format is unknown, cannot be detected, or is malformed under --strict."""


class ProfileError(AdvisorError):
    """A scale profile is missing a field, has a wrong type, or is inconsistent."""


class OptionError(AdvisorError):
    """The options ask for something that cannot be: a bad value, or options that do not go
    together. The command line reports it as a usage error (exit 2)."""
