"""The hidden checks: one pytest module per assignment, never shipped to students."""
