"""The files installer-factory writes and reads back, one pydantic model each."""
