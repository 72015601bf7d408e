"""What a quote is asked for: the field registry, the validation program, and the readers of typed
and uploaded input."""
