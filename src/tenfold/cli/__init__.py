"""The ``tenfold`` command. It is the only package that knows every building block."""

from tenfold.cli.app import app, main

__all__ = ["app", "main"]
