"""Day-2 operations on a running estate: restore drills and the like."""
