"""Checks and coerces a tool call's arguments against its JSON schema, with messages a model can act on."""

from __future__ import annotations

import json
from typing import Any

from app.tools.schemas import TOOLS_BY_NAME


class ToolArgumentError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def parse_arguments(name: str, raw: str | dict[str, Any] | None) -> dict[str, Any]:
    """Parse (JSON text or a dict), check required and unknown fields, coerce numbers, apply defaults."""
    schema = TOOLS_BY_NAME.get(name)
    if schema is None:
        raise ToolArgumentError("unknown_tool", f"There is no tool named '{name}'. Tools: {', '.join(TOOLS_BY_NAME)}.")
    if raw is None or raw == "":
        args: Any = {}
    elif isinstance(raw, str):
        try:
            args = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ToolArgumentError(
                "invalid_arguments", f"The arguments for {name} are not valid JSON ({exc.msg}). Send a JSON object."
            ) from exc
    else:
        args = raw
    if not isinstance(args, dict):
        raise ToolArgumentError("invalid_arguments", f"The arguments for {name} must be a JSON object.")
    params = schema["parameters"]
    props: dict[str, Any] = params["properties"]
    unknown = sorted(set(args) - set(props))
    if unknown:
        raise ToolArgumentError(
            "invalid_arguments",
            f"{name} does not take {', '.join(unknown)}. It takes: {', '.join(props) or 'no arguments'}.",
        )
    for required in params["required"]:
        if args.get(required) in (None, ""):
            raise ToolArgumentError("invalid_arguments", f"{name} needs '{required}'.")
    clean: dict[str, Any] = {}
    for key, spec in props.items():
        if key not in args or args[key] is None:
            if "default" in spec:
                clean[key] = spec["default"]
            continue
        clean[key] = _coerce(name, key, spec, args[key])
    return clean


def _coerce_object(tool: str, key: str, spec: dict[str, Any], value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ToolArgumentError("invalid_arguments", f"{tool}: each of '{key}' must be an object, not {value!r}.")
    props: dict[str, Any] = spec.get("properties", {})
    unknown = sorted(set(value) - set(props))
    if unknown:
        raise ToolArgumentError(
            "invalid_arguments", f"{tool}: '{key}' items do not take {', '.join(unknown)}; they take {', '.join(props)}"
        )
    for required in spec.get("required", []):
        if value.get(required) in (None, ""):
            raise ToolArgumentError("invalid_arguments", f"{tool}: each of '{key}' needs '{required}'.")
    return {name: _coerce(tool, f"{key}.{name}", props[name], item) for name, item in value.items()
            if item is not None}


def _coerce_array(tool: str, key: str, spec: dict[str, Any], value: Any) -> list[Any]:
    if isinstance(value, str | dict):
        value = [value]  # a lone item where a list was meant
    if not isinstance(value, list):
        raise ToolArgumentError("invalid_arguments", f"{tool}: '{key}' must be a list, not {value!r}.")
    items: dict[str, Any] = spec.get("items", {})
    if items.get("type") == "object":
        return [_coerce_object(tool, key, items, item) for item in value]
    return [_coerce(tool, key, items, item) for item in value]


def _coerce(tool: str, key: str, spec: dict[str, Any], value: Any) -> Any:
    kind = spec.get("type")
    if kind == "array":
        return _coerce_array(tool, key, spec, value)
    try:
        if kind == "string":
            if isinstance(value, dict | list):
                raise ValueError
            text = str(value).strip()
            if "enum" in spec and text not in spec["enum"]:
                raise ToolArgumentError("invalid_arguments",
                                        f"{tool}: '{key}' must be one of {', '.join(spec['enum'])}, not {text!r}.")
            return text
        if kind == "boolean":
            if isinstance(value, bool):
                return value
            if str(value).lower() in ("true", "1", "yes"):
                return True
            if str(value).lower() in ("false", "0", "no"):
                return False
            raise ValueError
        if kind in ("integer", "number"):
            if isinstance(value, bool):
                raise ValueError
            number = float(str(value).replace("$", "").replace(",", "")) if isinstance(value, str) else float(value)
            if kind == "integer":
                if number != int(number):
                    raise ValueError
                number = int(number)
            if "minimum" in spec and number < spec["minimum"]:
                raise ToolArgumentError("invalid_arguments", f"{tool}: '{key}' must be at least {spec['minimum']}.")
            if "maximum" in spec and number > spec["maximum"]:
                raise ToolArgumentError("invalid_arguments", f"{tool}: '{key}' must be at most {spec['maximum']}.")
            return number
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ToolArgumentError):
            raise
        raise ToolArgumentError("invalid_arguments", f"{tool}: '{key}' must be a {kind}, not {value!r}.") from exc
    return value
