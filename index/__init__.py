"""Text analysis, encoders, dense and lexical indexes, snapshots."""
