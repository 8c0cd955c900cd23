"""``python -m sim`` is the same as the ``reformsim`` command."""

from sim.cli import main

raise SystemExit(main())
