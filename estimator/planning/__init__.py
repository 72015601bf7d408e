"""Built on quotes: comparing sites, planning a series, and the hospitals near a patient."""
