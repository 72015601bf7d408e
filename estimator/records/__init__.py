"""The tamper-evident quote log: records, their hash chain, the schema and the store."""
