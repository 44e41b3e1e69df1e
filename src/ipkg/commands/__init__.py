"""Subcommands of the ``ipkg`` CLI, one module each (see :mod:`ipkg.cli`)."""
