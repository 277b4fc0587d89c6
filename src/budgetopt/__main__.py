"""``python -m budgetopt``: the command line."""

from budgetopt.cli import main

main()
