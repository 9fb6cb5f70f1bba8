-- JIT makes the extension's short queries slower: turn it off for the database.
EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
