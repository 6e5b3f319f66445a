"""Grading a learner cannot bend: each submission runs jailed, and its score is checked from outside.

    jail.py      one submission's jail: own user, scratch folder, namespaces (bubblewrap), rlimits, clean env
    launch.py    the launcher every jailed program (kernel or recheck worker) starts through
    forkserver.py  one warm jail per class whose server forks each program (imports made once, not per program)
    zygote.py    that server's own process, inside its jail
    kernel.py    nbgrader's Execute with its kernel jailed, outputs capped, a dead or stuck kernel survived
    recheck.py   the lab's tests re-run on the learner's answers in a fresh jail, outside any IPython kernel
    worker.py    the recheck's in-jail runner
    grading.py   the three together for one submission: autograde in a jail, recheck, keep the lower score

Run bubblewrap where it can be installed (`apt-get install -y bubblewrap`); see jail.py for the fallback.
"""
