-- The database role the web app and the worker connect as in production, apart from the role
-- that owns the tables and runs the migrations. Run once as the owner (or a superuser), in the
-- app's database, after `python manage.py migrate`:
--
--     psql "$OWNER_DATABASE_URL" -v app_password="'…'" -f deploy/app_role.sql
--
-- The app role reads and writes rows, nothing more: it owns no table, so it cannot ALTER a
-- table, DISABLE or DROP the history's append-only trigger; it has no TRUNCATE anywhere; and on
-- the history (screening_decisionevent) it may only read and append. tests/test_database_role.py
-- runs these statements against the test database and checks each refusal.
CREATE ROLE reviewapp_app LOGIN PASSWORD :app_password;
GRANT CONNECT, TEMPORARY ON DATABASE :"DBNAME" TO reviewapp_app;
GRANT USAGE ON SCHEMA public TO reviewapp_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO reviewapp_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO reviewapp_app;
REVOKE UPDATE, DELETE, TRUNCATE ON screening_decisionevent FROM reviewapp_app;
-- Tables and sequences later migrations create (run by the owner) get the same grants.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO reviewapp_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO reviewapp_app;
