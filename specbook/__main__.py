import sys

from specbook.cli import main

sys.exit(main())
