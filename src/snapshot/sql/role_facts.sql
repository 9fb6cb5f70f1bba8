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
                          -- Each name looked up in the catalog cache (to_regrole of
                          -- the quoted name: exactly that name, NULL when there is
                          -- none), not through the pg_roles view, which any role
                          -- could have a lock queued on.
                          OR EXISTS (SELECT FROM pg_catalog.unnest($1::pg_catalog.text[]) n
                                     WHERE pg_catalog.pg_has_role(pg_catalog.to_regrole(pg_catalog.quote_ident(n))::pg_catalog.oid,
                                                                  'MEMBER')),
    'client_addr', pg_catalog.host(pg_catalog.inet_client_addr())
)::pg_catalog.text
