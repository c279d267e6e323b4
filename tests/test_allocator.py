"""glibc allocator thresholds (transforms/memory/allocator.py): applied once, never an error.

    /work/main/.venv/bin/pytest tests/test_allocator.py -q
"""

from __future__ import annotations


def test_allocator_thresholds_apply_once_on_glibc_and_never_fail():
    import platform

    from akhbar.transforms.memory.allocator import return_freed_memory

    applied = return_freed_memory()
    assert return_freed_memory() is applied  # cached: set once per process
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert applied is True
