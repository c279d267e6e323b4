"""``python -m akhbar …`` is the ``akhbar`` command.

    python -m akhbar --version
"""

import sys

from akhbar.pipelines.cli import main

sys.exit(main())
