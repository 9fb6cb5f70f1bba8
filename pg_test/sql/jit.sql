-- JIT compilation loads llvmjit.so and its libraries (LLVM, libffi): the
-- guard's functions work with it forced on, on every PostgreSQL major the
-- suite covers (PostgreSQL 13 runs from bullseye's packages, whose libraries
-- are unpacked beside it; PyPI's build of 14 has no JIT, so there it runs
-- without compiling anything).
CREATE EXTENSION promscale_upgrade_guard;
SET jit = on;
SET jit_above_cost = 0;
SET jit_inline_above_cost = 0;
SET jit_optimize_above_cost = 0;
SELECT count(*) AS checks FROM promscale_upgrade_checks();
SELECT locks_needed >= 0 AS estimated FROM promscale_upgrade_lock_estimate();
