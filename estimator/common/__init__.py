"""Shared plumbing with no pricing in it: error types, the clock, translations, money words, safe CSV."""
