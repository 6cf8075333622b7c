"""Tenfold: digital public infrastructure for proactive, once-only government services."""

__version__ = "0.1.0"
