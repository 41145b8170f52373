"""`python -m benchmarks` (what `make bench` runs)."""

from benchmarks._run import main

main()
