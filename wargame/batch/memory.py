"""A batch process's memory kept lean: what a chunk took is given back before the next one.

A worker holds one chunk at a time (its games, its table, the table's pickle), but without
care its resident memory grows past that. pyarrow's default allocator (mimalloc) reserves
memory in large segments and keeps what it frees; glibc's malloc raises its threshold for
mapping large blocks each time one is freed, so later tables come from the heap, where
holes left by the games' many small arrays keep it from shrinking. Measured on a worker
playing chunks of 4,096 runs of the two op-ed variants: 300 MiB after three chunks without
this, 265 MiB with it (the rest is the imports and one chunk's working set).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

MMAP_THRESHOLD = 128 * 1024
"""Blocks of at least this many bytes are mapped on their own and unmapped when freed
(glibc's own default, here fixed rather than raised by every large free)."""
_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number (malloc.h)


def lean_memory() -> None:
    """At the start of a batch process: pyarrow on the system's allocator, and large blocks
    always returned to the system when freed. (The command line chooses pyarrow's allocator
    before pyarrow is imported: `cli.app.main`.)"""
    pa.set_memory_pool(pa.system_memory_pool())
    libc = _glibc()
    if libc is not None:
        libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)


@contextlib.contextmanager
def lean_while() -> Iterator[None]:
    """`lean_memory` for a batch run from Python (a notebook): pyarrow's allocator is put
    back afterwards (the mapping threshold stays fixed, which changes nothing but memory)."""
    previous = pa.default_memory_pool()
    lean_memory()
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


def give_back() -> None:
    """Return the heap's free pages to the system (between chunks; a few milliseconds)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


@functools.cache
def _glibc() -> Any:
    """The C library if it is glibc (which has mallopt and malloc_trim), else None: on other
    systems these steps are left out and only cost memory."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    if not (hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim")):
        return None
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.malloc_trim.argtypes = [ctypes.c_size_t]
    return libc
