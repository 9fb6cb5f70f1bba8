CREATE TABLE _prom_catalog.ha_leases (
    cluster_name text PRIMARY KEY,
    leader_name text,
    lease_start timestamptz,
    lease_until timestamptz
);
CREATE TABLE _prom_catalog.ha_leases_logs (
    cluster_name text NOT NULL,
    leader_name text NOT NULL,
    lease_start timestamptz NOT NULL,
    lease_until timestamptz,
    PRIMARY KEY (cluster_name, leader_name, lease_start)
);
