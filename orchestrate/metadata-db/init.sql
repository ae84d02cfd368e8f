-- The postgres image runs this file once, when the metadata-db volume of
-- docker-compose.yml is empty. POSTGRES_DB creates Airflow's database, and this
-- creates Meltano's system database (run history and incremental state).
CREATE DATABASE meltano;
