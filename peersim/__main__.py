"""`python -m peersim`: the `peersim` command."""

from peersim.apps.cli import main

raise SystemExit(main())
