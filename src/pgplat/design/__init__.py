"""Design aids: the flavor advisor with its price table, and the architecture diagram."""
