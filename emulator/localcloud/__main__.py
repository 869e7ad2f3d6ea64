"""`python -m localcloud`, which is also how `up` starts its detached processes."""

import sys

from .cli import main

sys.exit(main())
