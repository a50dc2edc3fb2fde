from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ACTS = FIXTURES / "acts"
REAL_WORLD = FIXTURES / "real-world"
MEL_BODIES = {"conseil": "Conseil", "bureau": "Bureau"}
