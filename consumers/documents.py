"""The committed descriptions of the Kafka interface: AsyncAPI 3.0 and the envelope's JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

from consumers.messages import contract_text

HERE = Path(__file__).resolve().parent
ASYNCAPI = HERE / "asyncapi.json"
CONTRACT = HERE / "contract.json"


def asyncapi_text() -> str:
    from consumers.app import build
    from infrastructure.settings import KafkaSettings

    # Generated from default settings, so the document does not depend on the environment.
    spec = build(KafkaSettings.model_construct()).schema.to_specification()
    return json.dumps(spec.to_jsonable(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write(check: bool = False) -> list[str]:
    """Write (or, with check, compare) both documents; returns the names that were stale."""
    stale = []
    for path, text in ((ASYNCAPI, asyncapi_text()), (CONTRACT, contract_text())):
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(path.name)
            if not check:
                path.write_text(text, encoding="utf-8")
    return stale
