FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends libcairo2 curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY reviewapp ./reviewapp
COPY screening ./screening
RUN pip install .
COPY . .
RUN DEBUG=0 SECRET_KEY=build-only DATABASE_URL=postgres://build@localhost/build python manage.py collectstatic --no-input -v0
RUN useradd --create-home app && mkdir -p /app/var/media && chown -R app /app/var
USER app
EXPOSE 8000
# Workers, threads and timeout: gunicorn.conf.py (the screening benchmark reads the same file).
CMD ["gunicorn", "--config", "gunicorn.conf.py", "reviewapp.wsgi"]
