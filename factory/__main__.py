"""`python -m factory` runs the command-line interface."""

from factory.cli.main import main

raise SystemExit(main())
