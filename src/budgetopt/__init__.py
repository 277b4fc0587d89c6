"""budgetopt: spend a youth-care region's budget across providers and care levels."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("budgetopt")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

__all__ = ["__version__"]
