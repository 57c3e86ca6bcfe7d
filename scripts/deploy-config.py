#!/usr/bin/env python3
"""Checks a device config before scripts/deploy.sh uploads it, and prints the URL of its local API.

Usage: deploy-config.py CONFIG RELEASE_DIR
The config goes into the release as RELEASE_DIR/config.json, so a relative path in it names a file
of the release: such a path must name a file deploy.sh put there (the model, its card). Paths the
program writes must not be relative (a release is replaced by the next deploy). The readiness check
needs the `http` section. Prints e.g. "http://127.0.0.1:8080" on success; one line on stderr naming
the file and the JSON path on failure (exit 1).
"""
import json
import os
import sys


def strip_comments_and_trailing_commas(text):
    """The config format allows // and /* */ comments and trailing commas (ConfigJson.cs); Python's
    json does not, so drop them outside strings, keeping line breaks so error positions stay right."""
    out = []
    i, n = 0, len(text)
    in_string = False
    while i < n:
        c = text[i]
        if in_string:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
            out.append(c)
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append("".join(ch for ch in text[i:end] if ch == "\n"))
            i = end
            continue
        elif c in "}]":
            # A comma followed only by whitespace before this bracket is a trailing comma.
            j = len(out) - 1
            while j >= 0 and out[j] in " \t\r\n":
                j -= 1
            if j >= 0 and out[j] == ",":
                out[j] = " "
            out.append(c)
        else:
            out.append(c)
        i += 1
    return "".join(out)


def is_relative(path):
    # "${EDGECAM_CACHE}/...", "${VAR}/..." and "~/..." expand on the device; they are not release files.
    return not (path.startswith("/") or path.startswith("~") or path.startswith("$"))


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: deploy-config.py CONFIG RELEASE_DIR")
    config_path, release = sys.argv[1], sys.argv[2]
    try:
        with open(config_path, encoding="utf-8") as f:
            config = json.loads(strip_comments_and_trailing_commas(f.read()))
    except OSError as e:
        sys.exit(f"{config_path}: cannot read: {e.strerror}")
    except json.JSONDecodeError as e:
        sys.exit(f"{config_path}: not valid JSON at line {e.lineno} column {e.colno}: {e.msg}")
    if not isinstance(config, dict):
        sys.exit(f"{config_path}: expected a JSON object")

    def section(name):
        value = config.get(name)
        return value if isinstance(value, dict) else {}

    model, update, adapt = section("model"), section("update"), section("adapt")
    if not isinstance(model.get("path"), str) or not model["path"]:
        sys.exit(f"{config_path}: model.path is missing; a deployed config names its model, e.g. \"model/face.onnx\" for --model face.onnx")

    release_files = sorted(
        os.path.relpath(os.path.join(root, f), release) for root, _, files in os.walk(release) for f in files)
    read_paths = {"model.path": model.get("path"), "model.card": model.get("card"), "model.runtime": model.get("runtime"),
                  "source.path": section("source").get("path"), "update.trustedRoot": update.get("trustedRoot")}
    for where, path in read_paths.items():
        if isinstance(path, str) and path and is_relative(path) and not os.path.isfile(os.path.join(release, path)):
            shipped = ", ".join(f for f in release_files if f.startswith("model/")) or "no model files"
            sys.exit(f"{config_path}: {where} \"{path}\" is relative to the config, so it must be a file of the release, "
                     f"which holds {shipped}; name one of those, or an absolute path on the device")

    thermal = adapt.get("thermal") if isinstance(adapt.get("thermal"), dict) else {}
    written_paths = {"model.optimizedModelPath": model.get("optimizedModelPath"), "update.stateDirectory": update.get("stateDirectory"),
                     "snapshots.directory": section("snapshots").get("directory"), "adapt.thermal.zone": thermal.get("zone")}
    for where, path in written_paths.items():
        if isinstance(path, str) and path and is_relative(path):
            sys.exit(f"{config_path}: {where} \"{path}\" would be inside the release, which the next deploy replaces; "
                     f"give an absolute path (e.g. under /var/lib/edgecam)")

    if "http" not in config or not isinstance(config["http"], dict):
        sys.exit(f"{config_path}: has no \"http\" section; deploy.sh waits for the local API's /readyz, add \"http\": {{}} (127.0.0.1:8080)")
    listen = config["http"].get("listen", "127.0.0.1:8080")
    host, _, port = str(listen).rpartition(":")
    if not host or not port.isdigit():
        sys.exit(f"{config_path}: http.listen \"{listen}\" is not HOST:PORT")
    # The check runs on the device itself: a wildcard address is reached through loopback.
    host = {"0.0.0.0": "127.0.0.1", "[::]": "[::1]", "localhost": "127.0.0.1"}.get(host, host)
    print(f"http://{host}:{port}")


if __name__ == "__main__":
    main()
