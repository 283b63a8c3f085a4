"""JobQueue and JobContext without threads or processes."""

from __future__ import annotations

import threading

import pytest

from engine.jobs import Job, JobCancelled, JobContext, JobQueue


def test_queue_is_fifo_and_removes_queued_jobs():
    q = JobQueue()
    a, b, c = (Job(kind="generate", params={}) for _ in range(3))
    assert [q.put(a), q.put(b), q.put(c)] == [0, 1, 2]
    assert q.remove(b.id) is b
    assert q.remove(b.id) is None
    assert q.get(timeout=0) is a
    assert q.get(timeout=0) is c
    assert q.get(timeout=0.01) is None


def test_close_wakes_a_waiting_getter():
    q = JobQueue()
    got = []
    t = threading.Thread(target=lambda: got.append(q.get()))
    t.start()
    q.close()
    t.join(2)
    assert got == [None]
    with pytest.raises(RuntimeError):
        q.put(Job(kind="generate", params={}))


def test_context_reports_progress_with_eta_and_honours_cancel():
    events = []
    job = Job(kind="generate", params={})
    ctx = JobContext(job=job, emit=lambda e, d: events.append((e, d)))
    ctx.report(0, 4, stage="load")
    ctx.report(2, 4, stage="sample")
    assert [e for e, _ in events] == ["progress", "progress"]
    assert events[0][1]["eta"] is None
    assert events[1][1]["step"] == 2 and events[1][1]["eta"] >= 0
    ctx.check_cancelled()
    job.cancel_requested.set()
    assert ctx.cancelled
    with pytest.raises(JobCancelled):
        ctx.check_cancelled()


def test_context_throttles_only_inner_steps():
    events = []
    ctx = JobContext(job=Job(kind="generate", params={}),
                     emit=lambda e, d: events.append(d["step"]), min_interval_s=60)
    for step in range(1, 11):
        ctx.report(step, 10)
    assert events == [1, 10]
