"""The lessons as runnable demos; `python -m demos` runs them all."""
