"""The pieces of `bench/run.py`: peers, rows, and the table they make."""
