# The suite imports tern from the build tree: ctest sets PYTHONPATH to
# <build>/python; run by hand, it falls back to ./build/python.
import os
import sys

try:
    import tern  # noqa: F401
except ImportError:
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sys.path.insert(0, os.path.join(os.environ.get("TERN_BUILD_DIR", os.path.join(root, "build")), "python"))
