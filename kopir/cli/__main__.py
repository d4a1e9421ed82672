"""`python -m kopir.cli`: the same as the `kopir` command."""

import sys

from kopir.cli import main

sys.exit(main())
