"""The skills stackbot ships; each module is one skill (see docs/skills.md)."""
