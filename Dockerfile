FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# Production dependencies only (requirements-dev.txt adds the test and development tools).
COPY requirements.txt .
RUN pip install --no-cache-dir --upgrade pip setuptools && pip install --no-cache-dir -r requirements.txt
COPY . .
RUN DEBUG=0 ALLOWED_HOSTS=build SECRET_KEY="build-only-$(head -c 48 /dev/urandom | base64 | tr -d "\n")" \
    DATABASE_URL=postgres://unused@localhost/unused python manage.py collectstatic --noinput
RUN useradd --create-home lemonnpie && chown -R lemonnpie /app
USER lemonnpie
EXPOSE 8000
# The HTTP server: granian (WSGI), chosen by measurement (README, "Performance"); GRANIAN_* env vars tune it.
CMD ["bin/serve"]
