import sys

from evisynth.cli import main

sys.exit(main())
