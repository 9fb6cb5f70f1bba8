-- What the current role may do, as PostgreSQL's own checks will judge an
-- extension command (enforce/privileges.rs), and who it is: whether it has
-- the privileges of the promscale extension's owner, CREATE on the
-- database, membership in one of $1 (promscale_upgrade_guard.connector_roles;
-- true when $1 is empty), and the client's address (NULL over a Unix socket).
SELECT pg_catalog.json_build_object(
    'owns_promscale', COALESCE((SELECT pg_catalog.pg_has_role(e.extowner, 'USAGE')
                                FROM pg_catalog.pg_extension e
                                WHERE e.extname OPERATOR(pg_catalog.=) 'promscale'), false),
    'create_on_database', pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE'),
    'in_connector_roles', pg_catalog.cardinality($1::pg_catalog.text[]) OPERATOR(pg_catalog.=) 0
                          OR EXISTS (SELECT FROM pg_catalog.pg_roles r
                                     WHERE r.rolname OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.name[])
                                       AND pg_catalog.pg_has_role(r.oid, 'MEMBER')),
    'client_addr', pg_catalog.host(pg_catalog.inet_client_addr())
)::pg_catalog.text
