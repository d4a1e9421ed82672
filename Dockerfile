# Köpir application image: the CLI (`kopir relay`, `kopir consume`, `kopir serve`, ...).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY infrastructure ./infrastructure
COPY projections ./projections
COPY processes ./processes
COPY consumers ./consumers
COPY ui ./ui
COPY kopir ./kopir
RUN pip install . && useradd --create-home --uid 10001 kopir
USER kopir
EXPOSE 8501
CMD ["kopir", "serve", "--address", "0.0.0.0", "--port", "8501"]
