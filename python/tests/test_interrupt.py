"""Ctrl-C stops a run: a real SIGINT sent to a Python process inside a long run
ends it with KeyboardInterrupt, and the process runs on (the next run is whole)."""

import os
import signal
import subprocess
import sys
import textwrap

CHILD = textwrap.dedent(
    """
    import signal, sys
    import escalate

    def handler(signum, frame):
        # Only a signal handled while escalate's run is under way counts: the
        # frame is the Python caller of the compiled run, which checks signals
        # between waves of blocks. Earlier or later signals are ignored.
        if frame is not None and frame.f_code.co_name == "run" and "escalate" in frame.f_code.co_filename:
            raise KeyboardInterrupt
    signal.signal(signal.SIGINT, handler)

    sc = escalate.load("minimal")
    print("ready", flush=True)
    try:
        sc.run(trials=10**9, keep=False)
        print("finished")
    except KeyboardInterrupt:
        print("interrupted", flush=True)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    print(sc.run(trials=2000, seed=4, keep=False).digest, flush=True)
    """
)


def test_sigint_stops_a_long_run_and_the_next_run_is_whole():
    p = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    # Signal until the child stops listening (it ignores SIGINT once interrupted);
    # bounded, so a run that cannot be stopped fails the test instead of hanging it.
    for _ in range(600):
        os.kill(p.pid, signal.SIGINT)
        try:
            p.wait(timeout=0.1)
            break
        except subprocess.TimeoutExpired:
            pass
    out = p.communicate(timeout=300)[0].split()
    assert out[0] == "interrupted", out
    whole = escalate_digest()
    assert out[1] == whole


def escalate_digest():
    import escalate

    return escalate.load("minimal").run(trials=2000, seed=4, keep=False).digest
