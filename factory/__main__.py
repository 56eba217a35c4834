"""`python -m factory` runs the command-line interface."""

from factory.cli import main

raise SystemExit(main())
