"""What each `manage.py` command does, one module per command family. `manage.py` parses
arguments and maps errors to exit codes; each `run_*` function opens the database, does the
work, prints its summary and returns the exit code."""
