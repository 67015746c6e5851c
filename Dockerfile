# Clausewright: the web form and the API, run by a non-root user.
#
#   docker build -t clausewright .
#   docker run --rm -p 8000:8000 -e WORKERS=2 clausewright
#
# Two stages: the builder installs the locked dependencies (hashes required) and the
# project into a virtualenv; the final image is python:3.11-slim with that virtualenv,
# the code and the clause library only - no compiler, no package manager run, no pip
# cache. tests/test_deploy.py follows the same install path and runs the CMD below.

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/clausewright/venv
COPY requirements.lock /tmp/requirements.lock
RUN /opt/clausewright/venv/bin/pip install --require-hashes -r /tmp/requirements.lock
WORKDIR /opt/clausewright
COPY pyproject.toml README.md ./
COPY app ./app
# Installed from the source tree it runs from (as `make run` does), so the code, its
# templates and data files are read from /opt/clausewright/app; no dependency is
# resolved here: they all came from the lock above.
RUN /opt/clausewright/venv/bin/pip install --no-deps --editable .

FROM ${PYTHON_IMAGE}
ENV PATH=/opt/clausewright/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    WORKERS=2
RUN useradd --system --uid 10001 --user-group --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin clausewright
COPY --from=builder /opt/clausewright /opt/clausewright
COPY clause_templates /opt/clausewright/clause_templates
WORKDIR /opt/clausewright
USER clausewright
EXPOSE 8000
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]
# exec: the server, not a shell, gets SIGTERM from `docker stop` and drains requests.
CMD exec clausewright serve --host 0.0.0.0 --port 8000 --workers "${WORKERS}"
