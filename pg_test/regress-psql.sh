#!/bin/sh
# The psql launcher of the SQL regression tests (pg_test/regress.sh gives it
# to pg_regress as --launcher). pg_regress runs
#   pg_test/regress-psql.sh "BINDIR/psql" -X -a -q -d regress -v HIDE_TABLEAM=on ... < sql/NAME.sql > results/NAME.out 2>&1
# and sets the client's environment for its own test suite first: time zone
# PST8PDT, date style "Postgres, MDY", interval style postgres_verbose (added
# to PGOPTIONS) and application_name pg_regress/NAME (pg_regress on 13). The
# expected output was made with the settings below, which the tests' output
# shows (timestamps, application_name in the upgrade log): they are restored
# here. PGTZ and PGDATESTYLE go into the startup packet after PGOPTIONS, so
# PGOPTIONS cannot override them; psql -X reads no psqlrc, so SHOW_CONTEXT is
# given on the command line (CONTEXT lines of PL/pgSQL errors are not part of
# the expected output).
unset PGAPPNAME
PGTZ=UTC
PGDATESTYLE=ISO
PGOPTIONS='-c client_min_messages=notice'
export PGTZ PGDATESTYLE PGOPTIONS
exec "$@" -v SHOW_CONTEXT=never
