"""Translation catalogue helper for developers.

python scripts/po.py update APP_DIR          # makemessages -l en for one app (e.g. gongzhi/registry)
python scripts/po.py missing PO              # list msgids without an English translation
python scripts/po.py fill PO MAP.json        # fill msgstr from {"中文": "English", ...}; drops fuzzy flags
"""

import json
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def update(app_dir: str) -> None:
    app = Path(app_dir).resolve()
    (app / "locale").mkdir(exist_ok=True)
    subprocess.run(
        [
            str(ROOT / ".venv/bin/django-admin"),
            "makemessages",
            "-l",
            "en",
            "--no-obsolete",
            "--settings=config.settings.test",
            f"--pythonpath={ROOT}",
        ],
        cwd=app,
        check=True,
    )


def missing(po_path: str) -> None:
    po = polib.pofile(po_path)
    for e in po:
        if not e.msgstr and not e.msgstr_plural or "fuzzy" in e.flags:
            print(json.dumps(e.msgid, ensure_ascii=False))


def fill(po_path: str, map_path: str) -> None:
    po = polib.pofile(po_path)
    mapping = json.loads(Path(map_path).read_text(encoding="utf-8"))
    n = 0
    for e in po:
        if e.msgid in mapping:
            if e.msgid_plural:
                e.msgstr_plural = {0: mapping[e.msgid], 1: mapping.get(e.msgid_plural, mapping[e.msgid])}
            else:
                e.msgstr = mapping[e.msgid]
            if "fuzzy" in e.flags:
                e.flags.remove("fuzzy")
            n += 1
    po.save()
    print(f"filled {n}; still missing {sum(1 for e in po if not e.msgstr and not e.msgstr_plural)}")


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    {"update": update, "missing": missing, "fill": fill}[cmd](*args)
