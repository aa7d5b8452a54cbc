#!/bin/sh
# First start of the postgres container: the role and databases the production profile creates on the
# machine (stack/production.py, ensure_databases), with the same names.
set -eu
psql -v ON_ERROR_STOP=1 --username postgres <<SQL
CREATE ROLE heard LOGIN PASSWORD '${POSTGRES_PASSWORD}';
CREATE DATABASE heard_tracker OWNER heard;
CREATE DATABASE heard_handoff OWNER heard;
CREATE DATABASE heard_insurance OWNER heard;
SQL
