"""The domain: innovations, their store, import, ranking, explanations and evaluation."""
