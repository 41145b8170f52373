"""LangChain integration for Replicate."""

from importlib import metadata

try:
    __version__ = metadata.version(__package__ or __name__)
except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = ""

__all__ = ["__version__"]
