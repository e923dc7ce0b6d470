import sys

from alwild.cli import main

sys.exit(main())
