"""Business rules editor (list, add/edit with live validation and dry-run counts, order, enable)."""
