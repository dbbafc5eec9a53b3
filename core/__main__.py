"""``python -m synthgenesis``: the command line, as the ``synthgenesis`` console script runs it."""

from synthgenesis.cli import main

main()
