"""Pinned digests of synthetic faces and fingers: a stored seed must give the same person forever.

The registry keeps a synthetic face as its seed and regenerates it, and master
fingers are regenerated from the person's seed (captures are stored as
templates, so they are not pinned), so any change to the drawing
code or the seeded draws changes who the registry's residents are. These
digests catch that. If a change is deliberate (a new generator version), bump
the domain labels (``aes-id/face/v1`` ...) and rebuild the file:

    .venv/bin/python -m tests.biometrics.test_vectors
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from aes_id.biometrics.faces import synthetic_face
from aes_id.biometrics.fingers import master_fingers

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "biometrics_v1.json"
FACES = [(1, "F", 30, 0), (2024, None, None, 3), (b"resident", "M", 67, 1)]
FINGERS = [1, 99, b"resident"]


def _key(seed: int | bytes) -> str:
    return seed.hex() if isinstance(seed, bytes) else str(seed)


def build() -> dict[str, dict[str, str]]:
    faces = {
        f"{_key(seed)}/{sex}/{age}/{shot}": hashlib.sha256(
            synthetic_face(seed, sex=sex, age=age, capture=shot).tobytes()
        ).hexdigest()
        for seed, sex, age, shot in FACES
    }
    fingers = {}
    for seed in FINGERS:
        masters = master_fingers(seed)
        digest = hashlib.sha256()
        for master in masters:
            digest.update(bytes((master.position, master.pattern)) + master.data.tobytes())
        fingers[_key(seed)] = digest.hexdigest()
    return {"faces": faces, "fingers": fingers}


def test_faces_and_fingers_regenerate_exactly() -> None:
    assert build() == json.loads(VECTORS.read_text())


if __name__ == "__main__":
    VECTORS.write_text(json.dumps(build(), indent=2) + "\n")
    print(f"wrote {VECTORS}")
