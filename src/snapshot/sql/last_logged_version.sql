-- The promscale version the newest row of the guard's upgrade log left
-- (install, takeover or update): what promscale was at when the guard last
-- saw it change. A CREATE EXTENSION promscale at another version, with
-- promscale gone, reinstalls at another version: an update. Read only after
-- readable_one (read.rs) vouched for the log; ONLY: no child table is read.
SELECT (SELECT l.to_version FROM ONLY promscale_upgrade_guard.upgrade_log l
        ORDER BY l.finished_at DESC LIMIT 1)
