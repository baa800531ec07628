"""Site administration: totals, users, roles (`store`), and the `/admin` pages (`handlers`)."""
