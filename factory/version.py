"""installer-factory's own version, kept apart so that no module imports the package root."""

__version__ = "0.1.0"
