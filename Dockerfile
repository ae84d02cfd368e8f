# The project with Meltano, the pipeline's plugins and Airflow installed, for
# docker-compose.yml. Secrets stay out: .dockerignore leaves out .env, and every
# setting arrives as an environment variable when a container starts.
FROM python:3.11-slim

# make runs the project's own install (Makefile).
RUN apt-get update \
    && apt-get install --yes --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/*

# Airflow and the pipeline run as an unprivileged user. UID 50000 is the one
# of the official Airflow image, so volumes move between the two.
RUN useradd --create-home --uid 50000 meltano \
    && install --directory --owner=meltano --group=meltano /project
WORKDIR /project
USER meltano

# No download caches in the image: pip for the project, uv for Meltano's plugins.
ENV PIP_NO_CACHE_DIR=1 \
    UV_NO_CACHE=1 \
    PYTHONUNBUFFERED=1 \
    MELTANO_PROJECT_ROOT=/project \
    PATH=/project/.venv/bin:$PATH

COPY --chown=meltano:meltano . .

# The same steps as on a developer's machine: Meltano and the pipeline's
# plugins (make install), then Airflow (make install-airflow). The logs folder
# is the mount point of the airflow-logs volume, created here so that the
# volume belongs to the meltano user.
RUN make install install-airflow \
    && mkdir -p .meltano/run/airflow/logs

ENTRYPOINT ["meltano"]
CMD ["--help"]
