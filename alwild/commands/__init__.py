"""Subcommands of the ``alwild`` CLI, one module each (see alwild.cli)."""
