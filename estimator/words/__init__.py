"""Words rendered from a priced quote: its steps, warnings, sources and guidance."""
