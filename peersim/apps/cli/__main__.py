"""`python -m peersim.apps.cli`: the `peersim` command."""

from peersim.apps.cli import main

raise SystemExit(main())
