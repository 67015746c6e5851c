"""Clausewright: drafts rare-earth supply agreements from contract parameters."""

__version__ = "0.1.0"
