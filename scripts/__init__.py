"""Command-line entry points: import, build the index, recommend, evaluate, benchmark."""
