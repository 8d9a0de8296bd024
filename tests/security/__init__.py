"""Issue 8: access, headers, uploads, bad input, faults and load."""
