"""installer-factory: organization profiles rendered into conda constructor projects."""

__version__ = "0.1.0"
