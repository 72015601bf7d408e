"""The reference data behind every price: the tables built from data/, places (ZIP, locality, state)
and the hospitals with their published prices."""
