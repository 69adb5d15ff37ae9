"""Per-test databases cloned from a template ahead of need (the IntegreSQL idea).

A worker thread keeps a few clones ready and drops used ones, so a test waits for a clone
only when tests outrun ``CREATE DATABASE … TEMPLATE`` (tens of milliseconds).
"""

from __future__ import annotations

import itertools
import os
import queue
import threading

import psycopg
from psycopg import sql

from pgplat.errors import UserError

_TAKE_TIMEOUT = 60.0


class ClonePool:
    """Clones of ``template`` named ``<template>_<pid>_<n>``, made and dropped in the background."""

    def __init__(self, admin_conninfo: str, template: str, ready: int = 2) -> None:
        self._conninfo = admin_conninfo
        self._template = template
        self._ready: queue.Queue[str | BaseException] = queue.Queue()
        self._target = ready
        self._used: queue.Queue[str] = queue.Queue()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._names = (f"{template}_{os.getpid()}_{n}" for n in itertools.count(1))
        self._worker = threading.Thread(target=self._work, name="pgplat-clones", daemon=True)
        self._worker.start()

    def take(self) -> str:
        """A fresh clone's name, waiting for the worker if none is ready yet."""
        try:
            item = self._ready.get(timeout=_TAKE_TIMEOUT)
        except queue.Empty:
            raise UserError(
                f"no clone of {self._template} after {_TAKE_TIMEOUT:.0f} s; is the server up?"
            ) from None
        self._wake.set()
        if isinstance(item, BaseException):
            self._ready.put(item)  # the worker is gone: every later take() fails the same way
            raise item
        return item

    def give_back(self, name: str) -> None:
        """Hand a used clone back; it is dropped in the background."""
        self._used.put(name)
        self._wake.set()

    def close(self) -> None:
        """Stop the worker and drop every clone it made."""
        self._stop.set()
        self._wake.set()
        self._worker.join()

    def _work(self) -> None:
        try:
            with psycopg.connect(self._conninfo, autocommit=True) as conn:
                while not self._stop.is_set():
                    self._drop_used(conn)
                    if self._ready.qsize() < self._target:
                        name = next(self._names)
                        conn.execute(
                            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                                sql.Identifier(name), sql.Identifier(self._template)
                            )
                        )
                        self._ready.put(name)
                        continue
                    self._wake.wait()
                    self._wake.clear()
                while not self._ready.empty():
                    leftover = self._ready.get()
                    if isinstance(leftover, str):
                        self._used.put(leftover)
                self._drop_used(conn)
        except BaseException as exc:  # handed to the next take(): a test fails, not a thread
            self._ready.put(exc)

    def _drop_used(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        while not self._used.empty():
            name = self._used.get()
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
