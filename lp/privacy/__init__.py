"""Privacy: the log of who viewed which person, retention, right of access, backups."""
